import { ConfigError } from '@lt/platform';
import { loadDossierSettings } from './config';

describe('dossier service settings', () => {
  it('defaults to a 60 s scan and the repository config folder', () => {
    const s = loadDossierSettings({});
    expect(s.scanIntervalMs).toBe(60_000);
    expect(s.calendarDir).toMatch(/config[/\\]calendar$/);
    expect(s.proceduresFile).toMatch(/config[/\\]procedures\.json$/);
  });

  it('stops on a wrong value, naming the variable', () => {
    expect(() => loadDossierSettings({ LT_DOSSIER_SCAN_SECONDS: '0' })).toThrow(ConfigError);
    expect(() => loadDossierSettings({ LT_DOSSIER_SCAN_SECONDS: 'soon' })).toThrow(/LT_DOSSIER_SCAN_SECONDS/);
    expect(() => loadDossierSettings({ LT_CALENDAR_DIR: '/nowhere' })).toThrow(/LT_CALENDAR_DIR/);
    expect(loadDossierSettings({ LT_DOSSIER_SCAN_SECONDS: '5' }).scanIntervalMs).toBe(5000);
  });
});
