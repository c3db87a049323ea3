/**
 * `hagate check`: runs the real consumer of every generated artifact over an output tree (one `hagate gen`
 * output, or a fleet's: each pair in its own folder) and prints one line per artifact plus a summary.
 * Network-namespace checks need root; without it they fail, saying so. Scratch namespaces are removed.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { parseAgentConfig } from '@hagate/spec';
import { isRuleset, RULESET_TOOL, RulesetLoader } from './check-nft.js';
import { CliError } from './errors.js';
import { firstLines, run, scratchNetns } from './tools.js';

export interface CheckResult {
  artifact: string;
  tool: string;
  ok: boolean;
  detail: string;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.hagate')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out.sort();
}

const KEEPALIVED_NOISE =
  /warning|unknown|truncat|security|not executable|cannot|error|invalid|deprecated|does not exist/i;

/** Folders a tmpfs must not hide: keepalived, the shell and their libraries live there. */
const SYSTEM_DIRS = new Set([
  '/',
  '/usr',
  '/usr/sbin',
  '/usr/bin',
  '/bin',
  '/sbin',
  '/lib',
  '/lib64',
  '/usr/lib',
  '/usr/lib64',
  '/etc',
  '/proc',
  '/dev',
  '/sys',
]);

/** The deepest folder of `path` that exists on this machine (where a tmpfs can be mounted). */
function existingAncestor(path: string): string {
  let d = dirname(path);
  while (d !== '/' && !existsSync(d)) d = dirname(d);
  return d;
}

async function checkKeepalived(
  routerDir: string,
  conf: string,
  agentPath: string | undefined,
  ifnames: string[],
): Promise<CheckResult> {
  const artifact = conf;
  const tool = 'keepalived -t';
  // The agent is put at its real path in a private mount namespace (a tmpfs over the deepest folder of
  // its path that exists here), so script security checks it as deployed.
  const agentSrc = agentPath ? join(routerDir, agentPath) : undefined;
  const withAgent = agentPath !== undefined && agentSrc !== undefined && existsSync(agentSrc);
  const mountAt = agentPath ? existingAncestor(agentPath) : '/';
  if (withAgent && SYSTEM_DIRS.has(mountAt)) {
    const detail = `cannot put the agent at ${agentPath} for the check: a tmpfs on ${mountAt} would hide the system's programs`;
    return { artifact, tool, ok: false, detail };
  }
  const ns = scratchNetns(ifnames);
  if (ns.error) return { artifact, tool, ok: false, detail: `not run: ${ns.error}` };
  try {
    // Paths go in as positional parameters ($1 mount point, $2 agent source, $3 agent path, $4 config), so
    // no file name is ever parsed by the shell.
    const script = [
      'set -e',
      ...(withAgent
        ? [
            'mount -t tmpfs -o mode=0755 hagate-check "$1"',
            'mkdir -p "$(dirname "$3")"',
            'cp "$2" "$3"',
            'chmod 0755 "$3"',
          ]
        : []),
      'exec keepalived -t -l -D -f "$4"',
    ].join('\n');
    const params = [mountAt, agentSrc ?? '', agentPath ?? '', conf];
    const r = run([
      'ip',
      'netns',
      'exec',
      ns.name,
      'unshare',
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      script,
      'sh',
      ...params,
    ]);
    const noisy = r.out.split('\n').filter((l) => KEEPALIVED_NOISE.test(l));
    const ok = r.status === 0 && noisy.length === 0;
    return {
      artifact,
      tool: 'keepalived -t',
      ok,
      detail: ok
        ? 'accepted, no warning'
        : firstLines(noisy.length ? noisy.join('\n') : r.out) || `exit ${r.status}`,
    };
  } finally {
    ns.done();
  }
}

function checkXml(file: string, kind: 'domain' | 'network'): CheckResult {
  const r = run(['virt-xml-validate', file, kind]);
  return {
    artifact: file,
    tool: 'virt-xml-validate',
    ok: r.status === 0,
    detail: r.status === 0 ? 'valid' : firstLines(r.out),
  };
}

/** A word of a virsh command string: virsh splits on blanks and understands backslash escapes in quotes. */
function virshWord(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

function domainName(xml: string): string | undefined {
  return /<name>([^<]+)<\/name>/.exec(xml)?.[1];
}

async function checkVirshDomain(file: string): Promise<CheckResult> {
  const name = domainName(await readFile(file, 'utf8'));
  const r = run([
    'virsh',
    '-q',
    '-c',
    'test:///default',
    `define ${virshWord(file)}; domiflist ${virshWord(name ?? '?')}`,
  ]);
  return {
    artifact: file,
    tool: 'virsh define',
    ok: r.status === 0 && name !== undefined,
    detail: r.status === 0 ? `defined, ${r.out.split('\n').filter(Boolean).length} NICs` : firstLines(r.out),
  };
}

async function checkAttach(file: string, domainFile: string | undefined): Promise<CheckResult> {
  const tool = 'virsh define with the NIC';
  if (!domainFile) return { artifact: file, tool, ok: false, detail: 'no domain XML to put it in' };
  // libvirt's test driver cannot attach-device: define a copy of the domain whose only NIC is this one, and
  // check that libvirt lists it (validated by the same parser attach-device --config uses).
  const xml = await readFile(domainFile, 'utf8');
  const nic = (await readFile(file, 'utf8'))
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/<!--[\s\S]*?-->\s*/g, '');
  const withNic = xml
    .replace(/<interface\b[\s\S]*?<\/interface>\s*/g, '')
    .replace('</devices>', `${nic}\n</devices>`);
  const dir = await mkdtemp(join(tmpdir(), 'hagate-check-'));
  try {
    const f = join(dir, 'domain.xml');
    await writeFile(f, withNic);
    const name = domainName(withNic) ?? '?';
    const v = run(['virt-xml-validate', f, 'domain']);
    if (v.status !== 0) return { artifact: file, tool, ok: false, detail: firstLines(v.out) };
    const r = run([
      'virsh',
      '-q',
      '-c',
      'test:///default',
      `define ${virshWord(f)}; domiflist ${virshWord(name)}`,
    ]);
    const target = file
      .split('/')
      .pop()!
      .replace(/\.xml$/, '');
    const ok = r.status === 0 && r.out.includes(target);
    return {
      artifact: file,
      tool,
      ok,
      detail: ok ? firstLines(r.out.replace(/^Domain .*\n/m, ''), 1).replace(/\s+/g, ' ') : firstLines(r.out),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function checkIfquery(file: string): CheckResult {
  const r = run(['ifquery', '-i', file, '--list', '--all']);
  return {
    artifact: file,
    tool: 'ifquery',
    ok: r.status === 0,
    detail: r.status === 0 ? `interfaces: ${r.out.split('\n').filter(Boolean).join(' ')}` : firstLines(r.out),
  };
}

/** radvd's own parser on a generated radvd.conf (router advertisements from the link-local VIP). */
function checkRadvd(file: string): CheckResult {
  const r = run(['radvd', '--configtest', '--logmethod', 'stderr', '-C', file]);
  const ok = r.status === 0;
  return { artifact: file, tool: 'radvd --configtest', ok, detail: ok ? 'syntax ok' : firstLines(r.out) };
}

async function checkAgentConfig(file: string, agent: string | undefined): Promise<CheckResult> {
  const tool = 'hagate-agent config';
  try {
    const cfg = parseAgentConfig(await readFile(file, 'utf8'), file);
    if (!agent || !existsSync(agent))
      return { artifact: file, tool, ok: false, detail: 'no bundled agent next to it' };
    // Run the bundle from a folder with no package.json above it, as on a router (not this repo's ESM scope).
    const dir = await mkdtemp(join(tmpdir(), 'hagate-check-'));
    try {
      const copy = join(dir, 'hagate-agent');
      await writeFile(copy, await readFile(agent));
      const r = run([process.execPath, copy, '--version']);
      return r.status === 0
        ? {
            artifact: file,
            tool,
            ok: true,
            detail: `valid (router ${cfg.router}), agent ${r.out.trim()} runs`,
          }
        : { artifact: file, tool, ok: false, detail: `agent does not run: ${firstLines(r.out)}` };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } catch (e) {
    return { artifact: file, tool, ok: false, detail: (e as Error).message };
  }
}

/** Where a router's keepalived.conf says the agent and its config are (absolute paths on the router). */
interface Hooks {
  agent?: string;
  config: string;
}

const DEFAULT_AGENT_CONFIG = '/etc/hagate/agent.json';
const HOOK_LINE =
  /^\s*(?:notify\w*|shutdown_script|startup_script|vrrp_notify_fifo_script|script)\s+"?(\/[^\s"]+)([^"\n]*)/gm;

async function hooksOf(routerDir: string, conf: string, files: Set<string>): Promise<Hooks> {
  const text = await readFile(conf, 'utf8');
  for (const m of text.matchAll(HOOK_LINE)) {
    if (!files.has(join(routerDir, m[1]!))) continue;
    const config = /(?:^|\s)(?:--config|-c)\s+(\/\S+)/.exec(m[2]!)?.[1];
    return { agent: m[1]!, config: config ?? DEFAULT_AGENT_CONFIG };
  }
  return { config: DEFAULT_AGENT_CONFIG };
}

/** The router's interface names: those of its interfaces file, and the NICs its agent config owns. */
async function ifnamesOf(routerDir: string, hooks: Hooks): Promise<string[]> {
  const names: string[] = [];
  const ifaceFile = join(routerDir, 'etc/network/interfaces');
  if (existsSync(ifaceFile)) {
    const list = run(['ifquery', '-i', ifaceFile, '--list', '--all']);
    if (list.status === 0) names.push(...list.out.split('\n').filter(Boolean));
  }
  try {
    const cfg = JSON.parse(await readFile(join(routerDir, hooks.config), 'utf8')) as {
      externalNic?: unknown;
      owned?: { links?: unknown };
    };
    for (const n of [cfg.externalNic, ...(Array.isArray(cfg.owned?.links) ? cfg.owned.links : [])])
      if (typeof n === 'string') names.push(n);
  } catch {
    // No or broken agent config: its own check says so.
  }
  return [...new Set(names)];
}

async function walkOut(outDir: string): Promise<string[]> {
  try {
    return await walk(outDir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new CliError(`${outDir}: no such folder (run hagate gen --out ${outDir} first)`);
    if (code === 'ENOTDIR')
      throw new CliError(`${outDir}: expected the output folder of hagate gen, found a file`);
    throw new CliError(`${outDir}: cannot read the output folder (${code ?? String(e)})`);
  }
}

/** Runs every check over `outDir`; results in a stable order (by file). */
export async function checkTree(outDir: string): Promise<CheckResult[]> {
  const files = await walkOut(outDir);
  const fileSet = new Set(files);
  const KA = '/etc/keepalived/keepalived.conf';
  // A router folder is one holding a keepalived.conf; there may be several pairs (a fleet's output).
  const routers = files.filter((f) => f.endsWith(KA)).map((f) => f.slice(0, -KA.length));
  const hooks = new Map<string, Hooks>();
  for (const r of routers) hooks.set(r, await hooksOf(r, `${r}${KA}`, fileSet));
  const ifnames = new Map<string, Promise<string[]>>();
  const ifnamesFor = (r: string) => {
    if (!ifnames.has(r)) ifnames.set(r, ifnamesOf(r, hooks.get(r)!));
    return ifnames.get(r)!;
  };
  const loaders = new Map<string, RulesetLoader>();
  const results: CheckResult[] = [];
  // A check that cannot run at all (e.g. no writable temporary folder) is a failed check, said in words.
  const push = async (artifact: string, tool: string, check: () => CheckResult | Promise<CheckResult>) => {
    try {
      results.push(await check());
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      results.push({ artifact, tool, ok: false, detail: `could not run: ${err.message ?? String(e)}` });
    }
  };
  try {
    for (const f of files) {
      const router = routers.find((d) => f.startsWith(`${d}/`));
      if (router !== undefined) {
        const r = relative(router, f);
        const h = hooks.get(router)!;
        if (`/${r}` === KA)
          await push(f, 'keepalived -t', async () =>
            checkKeepalived(router, f, h.agent, await ifnamesFor(router)),
          );
        else if (r === 'etc/network/interfaces') await push(f, 'ifquery', () => checkIfquery(f));
        else if (r === 'etc/radvd.conf') await push(f, 'radvd --configtest', () => checkRadvd(f));
        else if (isRuleset(r)) {
          if (!loaders.has(router)) {
            const rulesets = files.filter(
              (x) => x.startsWith(`${router}/`) && isRuleset(relative(router, x)),
            );
            loaders.set(router, new RulesetLoader(router, rulesets, () => ifnamesFor(router)));
          }
          await push(f, RULESET_TOOL, () => loaders.get(router)!.load(f));
        } else if (`/${r}` === h.config)
          await push(f, 'hagate-agent config', () =>
            checkAgentConfig(f, h.agent === undefined ? undefined : join(router, h.agent)),
          );
        continue;
      }
      if (/\/libvirt\/domains\/[^/]+\.xml$/.test(f)) {
        await push(f, 'virt-xml-validate', () => checkXml(f, 'domain'));
        await push(f, 'virsh define', () => checkVirshDomain(f));
      } else if (/\/libvirt\/networks\/[^/]+\.xml$/.test(f))
        await push(f, 'virt-xml-validate', () => checkXml(f, 'network'));
      else if (/\/libvirt\/interfaces\/[^/]+\.xml$/.test(f)) {
        // The NIC `<vm>.<n>.xml` goes into `<vm>.xml` of the same tree's domains folder.
        const target = basename(f, '.xml');
        const domains = join(dirname(dirname(f)), 'domains');
        const owner = files.find(
          (d) => dirname(d) === domains && target.startsWith(`${basename(d, '.xml')}.`),
        );
        await push(f, 'virsh define with the NIC', () => checkAttach(f, owner));
      }
    }
  } finally {
    for (const l of loaders.values()) await l.close();
  }
  return results.map((x) => ({ ...x, artifact: relative(outDir, x.artifact) || x.artifact }));
}
