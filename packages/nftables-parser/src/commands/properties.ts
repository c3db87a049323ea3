/** Block heads of table members and the properties of chains, sets, maps and tables. */
import {
  CHAIN_TYPES,
  CT_OBJECTS,
  HOOKS,
  NFT_KEYWORDS,
  OBJECTS,
  SET_FLAGS,
  TYPE_KEYWORDS,
} from '../keywords.js';
import { elementsArg } from './verbs.js';
import type { Walk } from './walk.js';

/** A table member's block head: `chain NAME`, `set NAME`, `ct helper NAME`, `counter NAME`... */
export function memberHead(w: Walk): void {
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
export function chainProperty(w: Walk): void {
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

/** Set and map properties whose values the grammar fixes: type, flags, policy, size, timeout, elements. */
export function setProperty(w: Walk, map: boolean): void {
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
export function tableProperty(w: Walk): void {
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
