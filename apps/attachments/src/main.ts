import { topology } from '@lt/contracts';
import { loadAttachmentSettings } from '@lt/attachments';
import { bootHubContext, connectHub } from '@lt/messaging';
import { createLogger, loadConfig, runService } from '@lt/platform';
import { AttachmentsModule } from './attachments.module';

/** Attachments process: the hub's object store bucket, served to agencies over `<ns>.att.<code>.*`, bound by the router. */
const log = createLogger('attachments');

void runService(log, async () => {
  const cfg = loadConfig();
  const settings = loadAttachmentSettings();
  const topo = topology(cfg.ns);
  const nc = await connectHub(cfg, 'lienthong-attachments');
  const app = await bootHubContext(AttachmentsModule.forRoot({ nc, log, topology: topo, settings }), log);
  return async () => {
    await app.close();
    await nc.drain().catch(() => undefined);
  };
});
