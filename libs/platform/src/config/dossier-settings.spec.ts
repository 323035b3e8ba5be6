import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, findConfigDir, loadDossierSettings } from './index';

describe('dossier service settings', () => {
  it('defaults to a 60 s scan and the repository config folder', () => {
    const s = loadDossierSettings({});
    expect(s.scanIntervalMs).toBe(60_000);
    expect(s.calendarDir).toMatch(/config[/\\]calendar$/);
    expect(s.proceduresFile).toMatch(/config[/\\]procedures\.json$/);
    expect(s.calendarDir).toBe(join(findConfigDir(), 'calendar'));
  });

  it('stops on a wrong value, naming the variable', () => {
    expect(() => loadDossierSettings({ LT_DOSSIER_SCAN_SECONDS: '0' })).toThrow(ConfigError);
    expect(() => loadDossierSettings({ LT_DOSSIER_SCAN_SECONDS: 'soon' })).toThrow(/LT_DOSSIER_SCAN_SECONDS/);
    expect(() => loadDossierSettings({ LT_CALENDAR_DIR: '/nowhere' })).toThrow(/LT_CALENDAR_DIR/);
    expect(() => loadDossierSettings({ LT_PROCEDURES_FILE: '/nowhere.json' })).toThrow(/LT_PROCEDURES_FILE/);
    expect(loadDossierSettings({ LT_DOSSIER_SCAN_SECONDS: '5' }).scanIntervalMs).toBe(5000);
  });

  it('wants a folder for the calendars and a file for the catalog', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dossier-settings-'));
    const file = join(dir, 'procedures.json');
    writeFileSync(file, '[]');
    expect(loadDossierSettings({ LT_CALENDAR_DIR: dir, LT_PROCEDURES_FILE: file })).toMatchObject({ calendarDir: dir, proceduresFile: file });
    expect(() => loadDossierSettings({ LT_CALENDAR_DIR: file })).toThrow(`config LT_CALENDAR_DIR: folder ${file} does not exist`);
    expect(() => loadDossierSettings({ LT_PROCEDURES_FILE: dir })).toThrow(`config LT_PROCEDURES_FILE: file ${dir} does not exist`);
  });
});

describe('findConfigDir', () => {
  it("finds the repository's config folder by walking up, wherever it starts", () => {
    expect(findConfigDir(join(__dirname, 'a', 'b'))).toBe(findConfigDir());
    expect(findConfigDir()).toMatch(/[/\\]config$/);
  });
});
