import { topology } from '@lt/contracts';
import { loadAttachmentSettings } from '@lt/attachments';
import { bootHubContext, connectHub } from '@lt/messaging';
import { startObservability } from '@lt/observability';
import { createLogger, loadConfig, runService } from '@lt/platform';
import { AttachmentsModule } from './attachments.module';

/** Attachments process: the hub's object store bucket, served to agencies over `<ns>.att.<code>.*`, bound by the router. */
const log = createLogger('attachments');

void runService(log, async () => {
  const cfg = loadConfig();
  const settings = loadAttachmentSettings();
  const topo = topology(cfg.ns);
  const nc = await connectHub(cfg, 'lienthong-attachments');
  // before boot: a metrics port in use fails the start before anything is consumed
  const obs = await startObservability({ service: 'attachments', log, nc, ns: topo.ns });
  const app = await bootHubContext(AttachmentsModule.forRoot({ nc, log, topology: topo, settings }), log);
  return async () => {
    // first: the instance leaves `lienthong status` and its last spans are exported
    await obs.stop();
    await app.close();
    await nc.drain().catch(() => undefined);
  };
});
