/**
 * `hagate check`: runs the real consumer of every generated artifact over an output tree and prints one
 * line per artifact plus a summary. Network-namespace checks need root; scratch namespaces are removed.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseAgentConfig } from '@hagate/spec';

export interface CheckResult {
  artifact: string;
  tool: string;
  ok: boolean;
  detail: string;
}

interface Ran {
  status: number;
  out: string;
}

function run(argv: string[], input?: string): Ran {
  const [cmd, ...args] = argv;
  const r: SpawnSyncReturns<string> = spawnSync(cmd!, args, { encoding: 'utf8', input, timeout: 30_000 });
  if (r.error)
    return { status: -1, out: `${cmd}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}` };
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}`.trim() };
}

function firstLines(text: string, n = 3): string {
  return text.split('\n').filter(Boolean).slice(0, n).join(' | ');
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

/** A scratch network namespace holding veth pairs with the given names; removed by `done`. */
function scratchNetns(ifnames: string[]): { name: string; done: () => void; error?: string } {
  const name = `hgt-check-${randomBytes(3).toString('hex')}`;
  const add = run(['ip', 'netns', 'add', name]);
  if (add.status !== 0) return { name, done: () => {}, error: `ip netns add: ${firstLines(add.out)}` };
  const done = () => void run(['ip', 'netns', 'del', name]);
  run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  for (const [i, ifname] of ifnames.filter((n) => n !== 'lo').entries()) {
    const r = run(['ip', '-n', name, 'link', 'add', ifname, 'type', 'veth', 'peer', 'name', `hgtpeer${i}`]);
    if (r.status !== 0) {
      done();
      return { name, done, error: `cannot create ${ifname}: ${firstLines(r.out)}` };
    }
    run(['ip', '-n', name, 'link', 'set', ifname, 'up']);
  }
  return { name, done };
}

const KEEPALIVED_NOISE =
  /warning|unknown|truncat|security|not executable|cannot|error|invalid|deprecated|does not exist/i;

async function checkKeepalived(
  routerDir: string,
  conf: string,
  agentPath: string | undefined,
): Promise<CheckResult> {
  const artifact = conf;
  const ifaceFile = join(routerDir, 'etc/network/interfaces');
  const list = existsSync(ifaceFile)
    ? run(['ifquery', '-i', ifaceFile, '--list', '--all'])
    : { status: 0, out: '' };
  const names = list.status === 0 ? list.out.split('\n').filter(Boolean) : [];
  const ns = scratchNetns(names);
  if (ns.error) return { artifact, tool: 'keepalived -t', ok: false, detail: ns.error };
  try {
    // The agent is put at its real path in a private mount namespace, so script security checks it as deployed.
    const agentSrc = agentPath ? join(routerDir, agentPath) : undefined;
    // Paths go in as positional parameters ($1 agent dir, $2 agent source, $3 agent path, $4 config), so no
    // file name is ever parsed by the shell.
    const withAgent = agentPath !== undefined && agentSrc !== undefined && existsSync(agentSrc);
    const script = [
      'set -e',
      ...(withAgent
        ? ['mount -t tmpfs -o mode=0755 hagate-check "$1"', 'cp "$2" "$3"', 'chmod 0755 "$3"']
        : []),
      'exec keepalived -t -l -D -f "$4"',
    ].join('\n');
    const params = [dirname(agentPath ?? '/'), agentSrc ?? '', agentPath ?? '', conf];
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

function checkNft(file: string): CheckResult {
  const ns = scratchNetns([]);
  if (ns.error) return { artifact: file, tool: 'nft -c', ok: false, detail: ns.error };
  try {
    const r = run(['ip', 'netns', 'exec', ns.name, 'nft', '-c', '-f', file]);
    return {
      artifact: file,
      tool: 'nft -c',
      ok: r.status === 0,
      detail: r.status === 0 ? 'accepted' : firstLines(r.out),
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

/** Runs every check over `outDir`; results in a stable order. */
export async function checkTree(outDir: string): Promise<CheckResult[]> {
  const files = await walk(outDir);
  const results: CheckResult[] = [];
  const rel = (p: string) => relative(outDir, p);
  const domains = files.filter((f) => /\/libvirt\/domains\/[^/]+\.xml$/.test(f));
  for (const f of files) {
    const r = rel(f);
    const routerDir = join(outDir, r.split('/')[0]!);
    if (r.endsWith('/etc/keepalived/keepalived.conf')) {
      results.push(await checkKeepalived(routerDir, f, agentIn(files, routerDir)));
    } else if (r.endsWith('.nft')) results.push(checkNft(f));
    else if (/\/libvirt\/domains\/[^/]+\.xml$/.test(r)) {
      results.push(checkXml(f, 'domain'));
      results.push(await checkVirshDomain(f));
    } else if (/\/libvirt\/networks\/[^/]+\.xml$/.test(r)) results.push(checkXml(f, 'network'));
    else if (/\/libvirt\/interfaces\/[^/]+\.xml$/.test(r)) {
      const target = r
        .split('/')
        .pop()!
        .replace(/\.xml$/, '');
      const owner = domains.find((d) =>
        target.startsWith(
          `${d
            .split('/')
            .pop()!
            .replace(/\.xml$/, '')}.`,
        ),
      );
      results.push(await checkAttach(f, owner));
    } else if (r.endsWith('/etc/network/interfaces')) results.push(checkIfquery(f));
    else if (r.endsWith('/etc/hagate/agent.json')) {
      const agent = agentIn(files, routerDir);
      results.push(await checkAgentConfig(f, agent === undefined ? undefined : join(routerDir, agent)));
    }
  }
  return results.map((x) => ({ ...x, artifact: rel(x.artifact) }));
}

/** The agent's absolute path on the router, from where the tree holds it (e.g. `/usr/local/sbin/hagate-agent`). */
function agentIn(files: string[], routerDir: string): string | undefined {
  const found = files.find((f) => f.startsWith(`${routerDir}/`) && f.endsWith('/hagate-agent'));
  return found === undefined ? undefined : `/${relative(routerDir, found)}`;
}
