/** The JSON of table members: chains, named sets and maps with their elements, flowtables, stateful objects. */
import type { Block, Statement } from '../ast.js';
import { splitElements } from '../printer.js';
import { analyzeRule } from '../rules/index.js';
import {
  type Json,
  keyType,
  NftJsonError,
  priority,
  seconds,
  statements,
  typeofType,
  UNIT_BYTES,
  words,
} from './common.js';
import { exprJson } from './expressions.js';
import { stmtJson } from './statements.js';

/** Elements of a set or map `elements = { ... }`, through the rule model's element reader. */
export function elementsJson(st: Statement, family: string): Json[] {
  const g = st.items.find((i) => i.kind === 'group');
  if (g?.kind !== 'group') return [];
  // read `elements = { ... }` as the value of a match, which gives every element its typed form
  const probe: Statement = {
    kind: 'statement',
    items: [{ kind: 'word', text: 'meta', space: false }, { kind: 'word', text: 'mark', space: true }, g],
  };
  const [m] = analyzeRule(probe, { family }).statements;
  if (m?.kind !== 'match' || m.right.kind !== 'set')
    throw new NftJsonError(
      `toJson: cannot read the elements of ${words(splitElements(g.items)[0] ?? []).join(' ')}`,
    );
  return m.right.elements.map(exprJson);
}

export function setJson(kind: 'set' | 'map', family: string, table: string, name: string, b: Block): Json {
  const s: Record<string, Json> = { family, name, table };
  const stmts: Json[] = [];
  for (const st of statements(b)) {
    const ws = words(st.items);
    const kw = ws[0];
    if (kw === 'type' || kw === 'typeof') {
      const colon = ws.indexOf(':');
      s.type = keyType(kw, colon >= 0 ? ws.slice(1, colon) : ws.slice(1));
      if (colon >= 0) {
        const data = ws.slice(colon + 1);
        if (data[0] === 'interval')
          throw new NftJsonError('toJson: a map with interval data has no JSON form in nft 1.0.6');
        // nft names a concatenated data type `a . b` (and can list, not load, such a map from JSON)
        s.map = kw === 'typeof' && data[0] !== 'verdict' ? typeofType(data) : data.join(' ');
      }
    } else if (kw === 'flags') {
      // nft's JSON has no `dynamic` flag (nft sets it itself for a set a rule updates)
      const flags = ws.slice(1).filter((x) => x !== ',' && x !== 'dynamic');
      if (flags.length > 0) s.flags = flags;
    } else if (kw === 'timeout') s.timeout = seconds(ws[1] ?? '');
    else if (kw === 'gc-interval') s['gc-interval'] = seconds(ws[1] ?? '');
    else if (kw === 'size') s.size = Number(ws[1]);
    else if (kw === 'policy') s.policy = ws[1] ?? '';
    else if (kw === 'comment') s.comment = ws[1] ?? '';
    else if (kw === 'auto-merge') s['auto-merge'] = true;
    else if (kw === 'elements') s.elem = elementsJson(st, family);
    else if (kw === 'counter' || kw === 'quota' || kw === 'limit' || kw === 'ct') {
      const a = analyzeRule(st, { family });
      for (const x of a.statements) stmts.push(stmtJson(x, family));
    }
  }
  if (stmts.length > 0) s.stmt = stmts;
  return { [kind]: s };
}

/** `counter c { packets 1 bytes 2 }`, `quota q { over 10 mbytes }`, `ct helper h { type "ftp" protocol tcp }`... */
export function objectJson(family: string, table: string, b: Block): Json {
  const head = words(b.head);
  const kind = head[0] === 'ct' ? `ct ${head[1]}` : (head[0] ?? '');
  const name = head[head[0] === 'ct' ? 2 : 1] ?? '';
  const o: Record<string, Json> = { family, name, table };
  const lines = statements(b).map((st) => words(st.items));
  const comment = lines.find((l) => l[0] === 'comment');
  if (comment) o.comment = comment[1] ?? '';
  const body = lines.filter((l) => l[0] !== 'comment').flat();
  const num = (w: string | undefined) => Number(w);
  switch (kind) {
    case 'counter':
      o.packets = num(body[body.indexOf('packets') + 1] ?? '0') || 0;
      o.bytes = num(body[body.indexOf('bytes') + 1] ?? '0') || 0;
      break;
    case 'quota': {
      let i = 0;
      const inv = body[0] === 'over';
      if (body[0] === 'over' || body[0] === 'until') i++;
      o.bytes = num(body[i]) * (UNIT_BYTES[body[i + 1] ?? ''] ?? Number.NaN);
      const u = body.indexOf('used');
      o.used = u >= 0 ? num(body[u + 1]) * (UNIT_BYTES[body[u + 2] ?? ''] ?? Number.NaN) : 0;
      o.inv = inv;
      if (Number.isNaN(o.bytes) || Number.isNaN(o.used))
        throw new NftJsonError(`toJson: quota ${name}: ${body.join(' ')}`);
      break;
    }
    case 'limit': {
      // `rate [over|until] 10/second [burst 5 packets]`, `rate 1 mbytes/second [burst 4 mbytes]`
      const [, ...rest] = body;
      let i = 0;
      if (rest[0] === 'over') o.inv = true;
      if (rest[0] === 'over' || rest[0] === 'until') i++;
      const pk = /^(\d+)\/(\w+)$/.exec(rest[i] ?? '');
      const by = /^([km]?bytes)\/(\w+)$/.exec(rest[i + 1] ?? '');
      if (pk) {
        o.rate = Number(pk[1]);
        o.per = pk[2] as string;
        i += 1;
      } else if (by) {
        o.rate = num(rest[i]);
        o.per = by[2] as string;
        o.rate_unit = by[1] as string;
        i += 2;
      } else throw new NftJsonError(`toJson: limit ${name}: ${body.join(' ')}`);
      if (rest[i] === 'burst') {
        o.burst = num(rest[i + 1]);
        if (!pk) o.burst_unit = rest[i + 2] ?? 'bytes';
      } else o.burst = pk ? 5 : 0;
      break;
    }
    case 'ct helper': {
      const t = body.indexOf('type');
      o.type = body[t + 1] ?? '';
      o.protocol = body[body.indexOf('protocol') + 1] ?? '';
      const l3 = body.indexOf('l3proto');
      if (l3 >= 0) o.l3proto = body[l3 + 1] ?? '';
      break;
    }
    case 'ct timeout': {
      o.protocol = body[body.indexOf('protocol') + 1] ?? '';
      const l3 = body.indexOf('l3proto');
      if (l3 >= 0) o.l3proto = body[l3 + 1] ?? '';
      const pol = statements(b).find((st) => words(st.items)[0] === 'policy');
      const g = pol?.items.find((i) => i.kind === 'group');
      if (g?.kind === 'group') {
        const policy: Record<string, Json> = {};
        for (const e of splitElements(g.items)) {
          const [state, , value] = words(e);
          policy[state ?? ''] = Number(value);
        }
        o.policy = policy;
      }
      break;
    }
    case 'ct expectation':
      o.protocol = body[body.indexOf('protocol') + 1] ?? '';
      o.dport = num(body[body.indexOf('dport') + 1]);
      o.timeout = seconds(body[body.indexOf('timeout') + 1] ?? '') * 1000;
      o.size = num(body[body.indexOf('size') + 1]);
      if (body.includes('l3proto')) o.l3proto = body[body.indexOf('l3proto') + 1] ?? '';
      break;
    case 'secmark':
      o.context = body[0] ?? '';
      break;
    case 'synproxy': {
      o.mss = num(body[body.indexOf('mss') + 1]);
      o.wscale = num(body[body.indexOf('wscale') + 1]);
      const flags = body.filter((w) => w === 'timestamp' || w === 'sack-perm');
      if (flags.length > 0) o.flags = flags;
      break;
    }
    default:
      throw new NftJsonError(`toJson: the ${kind} object has no JSON form`);
  }
  return { [kind]: o };
}

export function flowtableJson(family: string, table: string, name: string, b: Block): Json {
  const f: Record<string, Json> = { family, table, name };
  for (const st of statements(b)) {
    const ws = words(st.items);
    if (ws[0] === 'hook') {
      f.hook = ws[1] ?? '';
      f.prio = priority(family, ws.slice(ws.indexOf('priority') + 1));
    } else if (ws[0] === 'devices') {
      const g = st.items.find((i) => i.kind === 'group');
      const devs = g?.kind === 'group' ? splitElements(g.items).map((e) => words(e).join('')) : [];
      f.dev = devs.length === 1 ? (devs[0] as string) : devs;
    } else
      throw new NftJsonError(`toJson: flowtable ${name}: '${ws.join(' ')}' has no JSON form in nft 1.0.6`);
  }
  return { flowtable: f };
}

export function chainJson(family: string, table: string, name: string, b: Block): Json {
  const c: Record<string, Json> = { family, table, name };
  for (const st of statements(b)) {
    const ws = words(st.items);
    if (ws[0] === 'type') {
      c.type = ws[1] ?? '';
      c.hook = ws[3] ?? '';
      const d = ws.indexOf('device');
      if (d >= 0) c.dev = ws[d + 1] ?? '';
      c.prio = priority(family, ws.slice(ws.indexOf('priority') + 1));
    } else if (ws[0] === 'policy') c.policy = ws[1] ?? '';
    else if (ws[0] === 'comment') c.comment = ws[1] ?? '';
  }
  return { chain: c };
}
