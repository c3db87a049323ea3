/** The commands: `add`/`create`, `delete`/`destroy`, `list`, `flush`, ... (nft's cmd rules). */
import { ADD_OBJECTS, CT_OBJECTS, closest, LIST_PLURALS } from '../keywords.js';
import { CommandError, type Walk } from './walk.js';

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

export function elementsArg(w: Walk): void {
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
export function command(w: Walk, block: boolean): void {
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
