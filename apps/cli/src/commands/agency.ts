import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Agency, AgencyTreeNode, ImportResult, Page } from '@lt/contracts';
import type { CliContext } from '../context';
import { terminalSafe } from '../terminal-text';

const TIER_MARK: Record<string, string> = { central: 'TW', province: 'Tỉnh', district: 'Huyện', commune: 'Xã' };

export function registerAgencyCommands(program: Command, ctx: () => CliContext): void {
  const agency = program.command('agency').description('the agency directory (registry)');

  agency
    .command('add')
    .description('register an agency')
    .requiredOption('--code <code>', 'electronic identifier, e.g. 000.00.05.H41')
    .requiredOption('--name <name>', 'official name')
    .requiredOption('--tier <tier>', 'central | province | district | commune')
    .option('--parent <code>', 'parent agency code')
    .option('--email <email>')
    .option('--telephone <tel>')
    .option('--address <address>')
    .action(async (o: { code: string; name: string; tier: string; parent?: string; email?: string; telephone?: string; address?: string }) => {
      const c = ctx();
      const a = await c.http<Agency>('POST', '/v1/agencies', {
        code: o.code,
        name: o.name,
        tier: o.tier,
        parentCode: o.parent ?? null,
        contact: { email: o.email, telephone: o.telephone, address: o.address },
      });
      c.print(a, (x: Agency) => `registered ${x.code} ${terminalSafe(x.name)} (${x.tier})`);
    });

  agency
    .command('import <file>')
    .description('import a CSV file: code,name,tier,parent_code[,organization_in_charge,address,email,telephone,fax,website]')
    .option('--all-or-nothing', 'refuse the whole file if any line fails')
    .action(async (file: string, o: { allOrNothing?: boolean }) => {
      const c = ctx();
      const csv = readFileSync(file, 'utf8');
      const mode = o.allOrNothing ? 'all-or-nothing' : 'partial';
      const r = await c.http<ImportResult>('POST', `/v1/agencies/import?mode=${mode}`, csv, { contentType: 'text/csv; charset=utf-8' });
      c.print(r, (x: ImportResult) =>
        [
          `${x.total} lines: ${x.created} created, ${x.updated} updated, ${x.unchanged} unchanged, ${x.failed} failed${x.rolledBack ? ' (nothing applied: all-or-nothing)' : ''} in ${x.durationMs} ms`,
          ...x.errors.slice(0, 50).map((e) => `  line ${e.line}: ${e.code} ${terminalSafe(e.message)}`),
          ...(x.errors.length > 50 ? [`  ... ${x.errors.length - 50} more (use --json)`] : []),
        ].join('\n'),
      );
      if (r.failed > 0) process.exitCode = 1;
    });

  agency
    .command('list')
    .description('list agencies')
    .option('--parent <code>')
    .option('--tier <tier>')
    .option('--status <status>')
    .option('--q <text>', 'search in code and name')
    .option('--limit <n>', 'page size', '100')
    .option('--all', 'follow cursors to the end')
    .action(async (o: { parent?: string; tier?: string; status?: string; q?: string; limit: string; all?: boolean }) => {
      const c = ctx();
      const items: Agency[] = [];
      let cursor: string | null = null;
      do {
        const qs = new URLSearchParams();
        for (const [k, v] of Object.entries({ parent: o.parent, tier: o.tier, status: o.status, q: o.q, limit: o.limit, cursor })) if (v) qs.set(k, v);
        const page: Page<Agency> = await c.http<Page<Agency>>('GET', `/v1/agencies?${qs}`);
        items.push(...page.items);
        cursor = o.all ? page.nextCursor : null;
      } while (cursor);
      c.print(items, (xs: Agency[]) => xs.map((a) => `${a.code}  ${a.tier.padEnd(8)} ${a.status.padEnd(9)} ${terminalSafe(a.name)}`).join('\n') || '(none)');
    });

  agency
    .command('show <code>')
    .description('show one agency (with --at, as the directory said at that time)')
    .option('--at <iso>', 'point in time')
    .action(async (code: string, o: { at?: string }) => {
      const c = ctx();
      const a = await c.http<Agency>('GET', `/v1/agencies/${encodeURIComponent(code)}${o.at ? `?at=${encodeURIComponent(o.at)}` : ''}`);
      c.print(a, (x: Agency) =>
        Object.entries({ code: x.code, name: x.name, tier: x.tier, parent: x.parentCode, status: x.status, successor: x.successorCode, validFrom: x.validFrom, validTo: x.validTo, ...x.contact })
          .filter(([, v]) => v !== null && v !== undefined)
          .map(([k, v]) => `${k.padEnd(22)} ${terminalSafe(v)}`)
          .join('\n'),
      );
    });

  agency
    .command('tree [code]')
    .description('draw the hierarchy across the tiers (default: every top-level agency)')
    .option('--depth <n>', 'levels below each root', '4')
    .action(async (code: string | undefined, o: { depth: string }) => {
      const c = ctx();
      let roots: string[];
      if (code) roots = [code];
      else {
        roots = [];
        let cursor: string | null = null;
        do {
          const qs: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
          const page: Page<Agency> = await c.http<Page<Agency>>('GET', `/v1/agencies?limit=1000${qs}`);
          roots.push(...page.items.filter((a) => !a.parentCode).map((a) => a.code));
          cursor = page.nextCursor;
        } while (cursor);
      }
      const trees = await Promise.all(roots.map((r) => c.http<AgencyTreeNode>('GET', `/v1/agencies/${encodeURIComponent(r)}/children?depth=${o.depth}`)));
      c.print(trees, (ts: AgencyTreeNode[]) => ts.map((t) => drawTree(t)).join('\n'));
    });

  agency
    .command('close <code>')
    .description('close an agency, forwarding its mail to a successor')
    .requiredOption('--reason <text>', 'why (recorded in the history)')
    .option('--successor <code>', 'agency that takes over')
    .action(async (code: string, o: { reason: string; successor?: string }) => {
      const c = ctx();
      const a = await c.http<Agency>('POST', `/v1/agencies/${encodeURIComponent(code)}/close`, { reason: o.reason, successorCode: o.successor ?? null });
      c.print(a, (x: Agency) => `closed ${x.code}${x.successorCode ? `; successor ${x.successorCode}` : ''}`);
    });
}

export function drawTree(node: AgencyTreeNode, prefix = '', last = true, root = true): string {
  const label = `${node.code}  ${terminalSafe(node.name)}  [${TIER_MARK[node.tier] ?? node.tier}]${node.status !== 'active' ? ` (${node.status})` : ''}`;
  const line = root ? label : `${prefix}${last ? '└── ' : '├── '}${label}`;
  const childPrefix = root ? '' : prefix + (last ? '    ' : '│   ');
  return [line, ...node.children.map((ch, i) => drawTree(ch, childPrefix, i === node.children.length - 1, false))].join('\n');
}
