/**
 * Strict checks of what is not a rule: commands (`add table inet t`, `delete rule inet t c handle 4`), block
 * heads (`table inet t {`, `chain input {`, `set s {`) and the properties inside chains, sets, maps and
 * tables (`type filter hook input priority filter`, `policy drop`, `flags interval`), following nft's
 * grammar (src/parser_bison.y): table_spec, chain_spec, rule_position, ruleid_spec, set_spec, obj_spec,
 * hook_spec, set_block, map_block. Rule bodies are left to the rule model.
 */
import type { Block, Group, Item, Node, Pos, Ruleset, Statement } from './ast.js';
import { closest, isIdentifier, NFT_KEYWORDS } from './keywords.js';
import type { RuleDiagnostic } from './rule-model.js';

const FAMILIES = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);
const CHAIN_TYPES = ['filter', 'nat', 'route'];
const HOOKS = ['prerouting', 'input', 'forward', 'postrouting', 'output', 'ingress', 'egress'];
const SET_FLAGS = ['constant', 'interval', 'timeout', 'dynamic'];
const OBJECTS = new Set(['counter', 'quota', 'limit', 'secmark', 'synproxy']);
const CT_OBJECTS = ['helper', 'timeout', 'expectation'];

/** Checks an element list `{ ... }` (given by the rule model). */
type ElementCheck = (g: Group, file: string) => RuleDiagnostic[];

class CommandError extends Error {
  constructor(
    readonly at: { pos?: Pos },
    readonly expected: string,
    readonly found: string,
  ) {
    super(expected);
  }
}

/** A cursor over the tokens of one command or block head, with nft's spec rules. */
class Walk {
  i = 0;
  /** Diagnostics found inside element lists, reported with the command's. */
  readonly inner: RuleDiagnostic[] = [];
  constructor(
    readonly items: Item[],
    readonly endPos: Pos | undefined,
    readonly endText: string,
    readonly elements?: { check: ElementCheck; file: string },
  ) {}
  peek(k = 0): Item | undefined {
    return this.items[this.i + k];
  }
  word(k = 0): string | undefined {
    const it = this.peek(k);
    return it?.kind === 'word' ? it.text : undefined;
  }
  isPunct(text: string): boolean {
    const it = this.peek();
    return it?.kind === 'punct' && it.text === text;
  }
  done(): boolean {
    return this.i >= this.items.length;
  }
  fail(expected: string, words: Iterable<string> = []): never {
    const it = this.peek();
    if (!it) throw new CommandError({ pos: this.endPos }, expected, this.endText);
    const text = it.kind === 'group' ? it.open : it.text;
    const hint = it.kind === 'word' ? closest(it.text, words) : undefined;
    throw new CommandError(
      it,
      expected,
      `'${text}'${hint && hint !== text ? `; did you mean '${hint}'?` : ''}`,
    );
  }
  expectWord(text: string): void {
    if (this.word() !== text) this.fail(`'${text}'`, [text]);
    this.i++;
  }
  number(what = 'a number'): void {
    if (!/^(\d+|0x[0-9a-fA-F]+)$/.test(this.word() ?? '')) this.fail(what);
    this.i++;
  }
  family(): void {
    if (FAMILIES.has(this.word() ?? '')) this.i++;
  }
  ident(what: string): void {
    const it = this.peek();
    if (it?.kind !== 'word' || !isIdentifier(it.text)) {
      const quoted = it?.kind === 'string' ? ' (unquoted: nft takes no quoted names here)' : '';
      const keyword = it?.kind === 'word' && NFT_KEYWORDS.has(it.text) ? ` ('${it.text}' is a keyword)` : '';
      this.fail(`a ${what} name${quoted}${keyword}`);
    }
    this.i++;
  }
  tableSpec(): void {
    this.family();
    this.ident('table');
  }
  /** `[family] name` or `[family] handle N`. */
  tableOrId(): void {
    this.family();
    if (this.word() === 'handle') this.handle();
    else this.ident('table');
  }
  spec(what: string): void {
    this.tableSpec();
    this.ident(what);
  }
  specOrId(what: string): void {
    this.tableSpec();
    if (this.word() === 'handle') this.handle();
    else this.ident(what);
  }
  handle(): void {
    this.expectWord('handle');
    this.number('a handle number');
  }
  end(what = 'end of the command'): void {
    if (!this.done()) this.fail(what);
  }
}

function lastPos(items: Item[]): Pos | undefined {
  const last = items[items.length - 1];
  if (!last?.pos) return undefined;
  const len = last.kind === 'group' ? 1 : last.text.length;
  return { line: last.pos.line, col: last.pos.col + len, offset: last.pos.offset + len };
}

/** What may follow `add`/`create` (or nothing, at top level): the object and its spec. */
function addCommand(w: Walk, verb: string, block: boolean): void {
  const obj = w.word();
  w.i++;
  switch (obj) {
    case 'table':
      w.tableSpec();
      w.end(block ? "'{'" : "end of the command or '{'");
      return;
    case 'chain':
      w.spec('chain');
      w.end(block ? "'{'" : "end of the command or '{'");
      return;
    case 'rule':
      if (verb === 'create') break;
      rulePosition(w);
      return;
    case 'set':
    case 'map':
    case 'flowtable':
      w.spec(obj);
      if (!block) w.fail(`'{' and the ${obj} definition`);
      w.end("'{'");
      return;
    case 'element':
      w.spec('set');
      elementsArg(w);
      return;
    case 'counter':
      w.spec('counter');
      if (block) {
        w.end("'{'");
        return;
      }
      if (w.word() === 'packets') {
        w.i++;
        w.number();
        w.expectWord('bytes');
        w.number();
      }
      w.end("'packets', '{' or end of the command");
      return;
    case 'quota':
    case 'limit':
    case 'secmark':
    case 'synproxy':
      w.spec(obj);
      if (block) {
        w.end("'{'");
        return;
      }
      if (w.done()) w.fail(`the ${obj} configuration or '{'`);
      return; // the configuration: left to nft
    case 'ct': {
      const t = w.word();
      if (!CT_OBJECTS.includes(t ?? '')) w.fail("'helper', 'timeout' or 'expectation'", CT_OBJECTS);
      w.i++;
      w.spec(`ct ${t}`);
      if (!block) w.fail(`'{' and the ct ${t} definition`);
      w.end("'{'");
      return;
    }
    default:
      if (verb === 'add' && obj !== undefined && !block && w.peek(-1)?.kind === 'word') {
        // `add inet t c tcp dport 22 accept`: a rule position without `rule`; a misspelled object keyword
        // (`add tabel inet t`) reads as one too, so it is named when the rule position does not hold
        w.i--;
        try {
          rulePosition(w);
          return;
        } catch (e) {
          if (!(e instanceof CommandError) || !closest(obj, ADD_OBJECTS)) throw e;
          w.i = w.items.findIndex((it) => it.kind === 'word' && it.text === obj);
        }
      }
  }
  if (w.word() !== obj) w.i--;
  const objects =
    verb === 'create'
      ? 'table, chain, set, map, element, flowtable or an object'
      : 'table, chain, rule, set, map, element, flowtable or an object';
  w.fail(`what to ${verb}: ${objects}`, ADD_OBJECTS);
}

/** The objects `add` / `create` name after the verb. */
export const ADD_OBJECTS = [
  'table',
  'chain',
  'rule',
  'set',
  'map',
  'element',
  'flowtable',
  'counter',
  'quota',
  'limit',
  'ct',
  'secmark',
  'synproxy',
];

/** `chain_spec [position N | handle N | index N]` followed by the rule (at least one token). */
function rulePosition(w: Walk): void {
  w.spec('chain');
  const p = w.word();
  if (p === 'position' || p === 'handle' || p === 'index') {
    w.i++;
    w.number(`a number after '${p}'`);
  }
  if (w.done()) w.fail('a rule (a match or a statement)');
}

function elementsArg(w: Walk): void {
  const it = w.peek();
  if (!(it?.kind === 'group' && it.open === '{') && it?.kind !== 'variable') w.fail("'{' and the elements");
  if (it.kind === 'group' && w.elements) w.inner.push(...w.elements.check(it, w.elements.file));
  w.i++;
  w.end();
}

function deleteCommand(w: Walk, verb: string): void {
  const obj = w.word();
  w.i++;
  switch (obj) {
    case 'table':
      w.tableOrId();
      w.end();
      return;
    case 'chain':
    case 'set':
    case 'flowtable':
      w.specOrId(obj);
      w.end();
      return;
    case 'map':
      w.spec('map');
      w.end();
      return;
    case 'rule':
      w.spec('chain');
      w.handle();
      w.end();
      return;
    case 'element':
      w.spec('set');
      elementsArg(w);
      return;
    case 'counter':
    case 'quota':
    case 'limit':
    case 'secmark':
    case 'synproxy':
      w.specOrId(obj);
      w.end();
      return;
    case 'ct': {
      const t = w.word();
      if (!CT_OBJECTS.includes(t ?? '')) w.fail("'helper', 'timeout' or 'expectation'", CT_OBJECTS);
      w.i++;
      w.spec(`ct ${t}`);
      w.end();
      return;
    }
    default:
  }
  w.i--;
  w.fail(`what to ${verb}: table, chain, rule, set, map, element, flowtable or an object`, ADD_OBJECTS);
}

const LIST_PLURALS = new Set([
  'tables',
  'chains',
  'sets',
  'maps',
  'flowtables',
  'counters',
  'quotas',
  'limits',
  'secmarks',
  'synproxys',
  'meters',
  'ruleset',
  'hooks',
]);

function listCommand(w: Walk, verb: string): void {
  const obj = w.word();
  w.i++;
  if (obj === 'flow') {
    const t = w.word();
    w.i++;
    if (t === 'tables') {
      w.family();
      w.end();
      return;
    }
    if (t === 'table') {
      w.spec('meter');
      w.end();
      return;
    }
    w.i--;
    w.fail("'table' or 'tables'", ['table', 'tables']);
    return;
  }
  if (
    obj !== undefined &&
    LIST_PLURALS.has(obj) &&
    (verb === 'list' || obj === 'counters' || obj === 'quotas')
  ) {
    if (obj === 'hooks') {
      w.family();
      if (w.word() === 'device') {
        w.i++;
        w.ident('device');
      }
      w.end();
      return;
    }
    if (w.word() === 'table' && obj !== 'ruleset' && obj !== 'tables' && obj !== 'chains') {
      w.i++;
      w.tableSpec();
    } else w.family();
    w.end();
    return;
  }
  switch (obj) {
    case 'table':
      w.tableSpec();
      w.end();
      return;
    case 'chain':
    case 'set':
    case 'map':
    case 'flowtable':
    case 'meter':
    case 'counter':
    case 'quota':
    case 'limit':
    case 'secmark':
    case 'synproxy':
      w.spec(obj);
      w.end();
      return;
    case 'ct': {
      const t = w.word();
      w.i++;
      if (t === 'helpers' || ((t === 'timeout' || t === 'expectation') && w.word() === 'table')) {
        w.expectWord('table');
        w.tableSpec();
        w.end();
        return;
      }
      if (!CT_OBJECTS.includes(t ?? '')) {
        w.i--;
        w.fail("'helper', 'helpers', 'timeout' or 'expectation'", [...CT_OBJECTS, 'helpers']);
      }
      w.spec(`ct ${t}`);
      w.end();
      return;
    }
    default:
  }
  if (
    verb === 'reset' &&
    (obj === 'rules' || obj === 'rule' || obj === 'element' || obj === 'set' || obj === 'map')
  )
    return; // newer nft (1.0.7+): left to nft
  w.i--;
  w.fail(
    verb === 'list'
      ? 'what to list: ruleset, table, chain, set, map, ... or their plurals'
      : 'what to reset: counters, quotas, counter or quota',
    verb === 'list'
      ? ['ruleset', 'table', 'tables', 'chain', 'chains', 'set', 'sets', 'map', 'maps']
      : ['counters', 'quotas', 'counter', 'quota'],
  );
}

function flushCommand(w: Walk): void {
  const obj = w.word();
  w.i++;
  switch (obj) {
    case 'table':
      w.tableSpec();
      w.end();
      return;
    case 'chain':
    case 'set':
    case 'map':
    case 'meter':
      w.spec(obj);
      w.end();
      return;
    case 'ruleset':
      w.family();
      w.end();
      return;
    case 'flow':
      w.expectWord('table');
      w.spec('meter');
      w.end();
      return;
    default:
  }
  w.i--;
  w.fail('what to flush: ruleset, table, chain, set, map or meter', [
    'ruleset',
    'table',
    'chain',
    'set',
    'map',
    'meter',
  ]);
}

/** Objects a command may start with, `add` implied (`table inet t { ... }`); not `ct`, which is no command. */
const BARE_ADD = new Set(ADD_OBJECTS.filter((o) => o !== 'ct'));

/** Checks one top-level command statement or a block head; throws CommandError. */
function command(w: Walk, block: boolean): void {
  const verb = w.word();
  if (verb !== undefined && BARE_ADD.has(verb)) {
    // `table inet t {`, `chain inet t c`, `rule inet t c accept`: add is implied (base_cmd: add_cmd)
    addCommand(w, 'add', block);
    return;
  }
  w.i++;
  switch (verb) {
    case 'add':
    case 'create':
      addCommand(w, verb, block);
      return;
    case 'insert':
      w.expectWord('rule');
      rulePosition(w);
      return;
    case 'replace':
      w.expectWord('rule');
      w.spec('chain');
      w.handle();
      if (w.done()) w.fail('a rule (a match or a statement)');
      return;
    case 'delete':
    case 'destroy':
      if (block && w.word() === 'flowtable') {
        w.i++;
        w.spec('flowtable');
        w.end("'{'");
        return;
      }
      deleteCommand(w, verb);
      return;
    case 'get':
      w.expectWord('element');
      w.spec('set');
      elementsArg(w);
      return;
    case 'list':
    case 'reset':
      listCommand(w, verb);
      return;
    case 'flush':
      flushCommand(w);
      return;
    case 'rename':
      w.expectWord('chain');
      w.spec('chain');
      w.ident('new chain');
      w.end();
      return;
    default:
      // define, include, describe, monitor, export, import: the parser checks what matters
      return;
  }
}

/** A table member's block head: `chain NAME`, `set NAME`, `ct helper NAME`, `counter NAME`... */
function memberHead(w: Walk): void {
  const kw = w.word();
  w.i++;
  if (kw === 'ct') {
    const t = w.word();
    if (!CT_OBJECTS.includes(t ?? '')) w.fail("'helper', 'timeout' or 'expectation'", CT_OBJECTS);
    w.i++;
    w.ident(`ct ${t}`);
    w.end("'{'");
    return;
  }
  if (kw === 'tunnel') return; // newer nft
  w.ident(
    kw === 'chain' || kw === 'set' || kw === 'map' || kw === 'flowtable' || OBJECTS.has(kw ?? '')
      ? (kw as string)
      : 'member',
  );
  w.end("'{'");
}

/** Chain properties: `type T hook H [device D] priority P`, `policy accept|drop`, `flags offload`. */
function chainProperty(w: Walk): void {
  const kw = w.word();
  w.i++;
  if (kw === 'type') {
    const t = w.word();
    if (!CHAIN_TYPES.includes(t ?? '')) w.fail('a chain type (filter, nat, route)', CHAIN_TYPES);
    w.i++;
    w.expectWord('hook');
    if (!HOOKS.includes(w.word() ?? '')) w.fail(`a hook (${HOOKS.join(', ')})`, HOOKS);
    w.i++;
    if (w.word() === 'device') {
      w.i++;
      const d = w.peek();
      if (d?.kind !== 'string' && d?.kind !== 'word' && d?.kind !== 'variable') w.fail('a device name');
      w.i++;
    } else if (w.word() === 'devices') {
      w.i++;
      if (!w.isPunct('=')) w.fail("'='");
      w.i++;
      const g = w.peek();
      if (!(g?.kind === 'group' && g.open === '{') && g?.kind !== 'variable') w.fail("'{' and the devices");
      w.i++;
    }
    if (w.word() !== 'priority')
      w.fail(w.done() ? "'priority' and a priority" : "'priority', 'device' or 'devices'", [
        'priority',
        'device',
        'devices',
      ]);
    w.i++;
    const p = w.peek();
    if (p === undefined)
      w.fail('a priority (a number or filter, raw, mangle, dstnat, srcnat, security, out)');
    if (p.kind === 'variable') {
      w.i++;
      w.end();
      return;
    }
    if (p.kind !== 'word') w.fail('a priority (a number or a name)');
    w.i++;
    if (/^-?\d+$/.test(p.text) || p.text === '-') {
      if (p.text === '-') w.number();
      w.end();
      return;
    }
    if (!/^[A-Za-z_.][A-Za-z0-9/\-_.]*$/.test(p.text) || NFT_KEYWORDS.has(p.text)) {
      w.i--;
      w.fail('a priority (a number or filter, raw, mangle, dstnat, srcnat, security, out)');
    }
    if (w.word() === '+' || w.word() === '-') {
      w.i++;
      w.number();
    }
    w.end("'+', '-' or end of line");
    return;
  }
  if (kw === 'policy') {
    const p = w.peek();
    if (p?.kind === 'variable') w.i++;
    else if (p?.kind === 'word' && (p.text === 'accept' || p.text === 'drop')) w.i++;
    else w.fail("a chain policy ('accept' or 'drop')", ['accept', 'drop']);
    w.end();
    return;
  }
  if (kw === 'flags') {
    w.expectWord('offload');
    w.end();
    return;
  }
  if (kw === 'comment') {
    if (w.peek()?.kind !== 'string') w.fail("a quoted string after 'comment'");
    w.i++;
    w.end('end of line (a chain comment stands alone; a rule cannot start with comment)');
    return;
  }
}

/** `type T [. T ...]` of a set, `type K : [interval] V` of a map (data_type_expr: names, not keywords). */
function typeProperty(w: Walk, map: boolean): void {
  const atom = (data: boolean) => {
    const t = w.word();
    const objects = data && map && ['counter', 'quota', 'limit', 'secmark', 'synproxy'].includes(t ?? '');
    if (
      t === undefined ||
      !(/^[A-Za-z_.][A-Za-z0-9/\-_.]*$/.test(t) && (!NFT_KEYWORDS.has(t) || TYPE_KEYWORDS.has(t) || objects))
    )
      w.fail('a data type (ipv4_addr, inet_service, ifname, mark, ...)');
    w.i++;
    return objects;
  };
  const list = (data: boolean) => {
    if (atom(data)) return;
    while (w.word() === '.') {
      w.i++;
      atom(data);
    }
  };
  list(false);
  if (map) {
    if (w.word() !== ':') w.fail("':' and the data type (a map's type is KEY : DATA)");
    w.i++;
    if (w.word() === 'interval') w.i++;
    list(true);
  }
  w.end(map ? "'.' or end of line" : "'.' or end of line");
}

/** Type names that are keywords to nft's scanner, yet data types (type_identifier). */
const TYPE_KEYWORDS = new Set(['mark', 'dscp', 'ecn', 'classid', 'time', 'verdict']);

/** Set and map properties whose values the grammar fixes: type, flags, policy, size, timeout, elements. */
function setProperty(w: Walk, map: boolean): void {
  const kw = w.word();
  w.i++;
  if (kw === 'type') {
    typeProperty(w, map);
    return;
  }
  if (kw === 'flags') {
    for (;;) {
      if (!SET_FLAGS.includes(w.word() ?? '')) w.fail(`a set flag (${SET_FLAGS.join(', ')})`, SET_FLAGS);
      w.i++;
      if (!w.isPunct(',')) break;
      w.i++;
    }
    w.end("',' or end of line");
    return;
  }
  if (kw === 'policy') {
    if (w.word() !== 'performance' && w.word() !== 'memory')
      w.fail("a set policy ('performance' or 'memory')", ['performance', 'memory']);
    w.i++;
    w.end();
    return;
  }
  if (kw === 'size') {
    w.number('a size (a number)');
    w.end();
    return;
  }
  if (kw === 'timeout' || kw === 'gc-interval') {
    if (!/^(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/.test(w.word() ?? '!') || w.word() === '')
      w.fail('a time (1h, 30m, 10s, 1d2h)');
    w.i++;
    w.end();
    return;
  }
  if (kw === 'auto-merge') {
    w.end();
    return;
  }
  if (kw === 'elements') {
    if (!w.isPunct('=')) w.fail("'=' and the elements");
    w.i++;
    elementsArg(w);
    return;
  }
}

/** Table options: `flags dormant|owner`, `comment "..."`. */
function tableProperty(w: Walk): void {
  const kw = w.word();
  w.i++;
  if (kw === 'flags') {
    if (w.word() !== 'dormant' && w.word() !== 'owner')
      w.fail("a table flag ('dormant' or 'owner')", ['dormant', 'owner']);
    w.i++;
    w.end();
    return;
  }
  if (kw === 'comment') {
    if (w.peek()?.kind !== 'string') w.fail("a quoted string after 'comment'");
    w.i++;
    w.end();
    return;
  }
}

function diagnostic(file: string, e: CommandError, fallback: Pos | undefined): RuleDiagnostic {
  const p = e.at.pos ?? fallback ?? { line: 0, col: 0, offset: 0 };
  return {
    file,
    line: p.line,
    col: p.col,
    expected: e.expected,
    found: e.found,
    message: `${file}:${p.line}:${p.col}: expected ${e.expected}, found ${e.found}`,
  };
}

/**
 * Strict diagnostics of the commands, block heads and chain/set/table properties of a ruleset, each with
 * the statement it is about (so rule diagnostics of a command with a bad head can be left out).
 */
export function checkCommands(
  rs: Ruleset,
  file: string,
  elements: ElementCheck,
): { statement: Statement | Block; diagnostic: RuleDiagnostic }[] {
  const out: { statement: Statement | Block; diagnostic: RuleDiagnostic }[] = [];
  const walk = (items: Item[], endText: string) =>
    new Walk(items, lastPos(items), endText, { check: elements, file });
  const attempt = (node: Statement | Block, w: Walk, fn: (w: Walk) => void) => {
    try {
      fn(w);
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      out.push({ statement: node, diagnostic: diagnostic(file, e, node.pos) });
    }
    for (const d of w.inner) out.push({ statement: node, diagnostic: d });
  };
  const visit = (nodes: Node[], level: 'top' | Block['block']) => {
    for (const n of nodes) {
      if (n.kind === 'comment') continue;
      if (n.kind === 'block') {
        if (level === 'top') attempt(n, walk(n.head, "'{'"), (w) => command(w, true));
        else if (level === 'table') attempt(n, walk(n.head, "'{'"), (w) => memberHead(w));
        visit(n.body, n.block);
        continue;
      }
      const first = n.items[0];
      const kw = first?.kind === 'word' ? first.text : '';
      const line = walk(n.items, 'end of line');
      if (kw === 'define' || kw === 'redefine' || kw === 'undefine') {
        // `define NAME = VALUE`, `undefine NAME`: the name is an identifier (common_block)
        attempt(n, line, (w) => {
          w.i++;
          w.ident('variable');
        });
        continue;
      }
      if (level === 'top') attempt(n, walk(n.items, 'end of the command'), (w) => command(w, false));
      else if (level === 'chain' && ['type', 'policy', 'flags', 'comment'].includes(kw))
        attempt(n, line, (w) => chainProperty(w));
      else if ((level === 'set' || level === 'map') && SET_PROPERTIES.has(kw))
        attempt(n, line, (w) => setProperty(w, level === 'map'));
      else if (level === 'table' && (kw === 'flags' || kw === 'comment'))
        attempt(n, line, (w) => tableProperty(w));
    }
  };
  visit(rs.body, 'top');
  return out;
}

const SET_PROPERTIES = new Set([
  'type',
  'flags',
  'policy',
  'size',
  'timeout',
  'gc-interval',
  'auto-merge',
  'elements',
]);
