import type { Comment, ConfigFile, Node, NodePosition, Statement } from './ast.js';

const BUILT: NodePosition = { file: '<built>', line: 0, col: 0 };

/** Quotes a word for keepalived when it contains whitespace, quotes, braces or comment markers. */
export function quote(word: string): string {
  if (word !== '' && !/[\s"'{}#!\\]/.test(word)) return word;
  return `"${word.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A statement node: `keyword args...` with an optional block of children. */
export function stmt(keyword: string, args: Array<string | number> = [], block?: Node[]): Statement {
  const s: Statement = { kind: 'statement', keyword, args: args.map(String), pos: BUILT };
  if (block) s.block = block;
  return s;
}

/** A full-line comment node; `text` is given without the marker. */
export function comment(text: string): Comment {
  return { kind: 'comment', text: text === '' ? '#' : `# ${text}`, pos: BUILT };
}

export interface GlobalDefs {
  routerId?: string;
  /** Refuse scripts that a non-root user could modify (hagate always sets it). */
  enableScriptSecurity?: boolean;
  scriptUser?: string;
  /** Command line run when keepalived stops (quoted for you). */
  shutdownScript?: string;
  /** FIFO keepalived writes vrrp events to (`vrrp_notify_fifo`). */
  vrrpNotifyFifo?: string;
  /** Command keepalived starts to read the FIFO; the FIFO path is appended as last argument. */
  vrrpNotifyFifoScript?: string;
  /** Default VRRP version of all instances (`vrrp_version`). */
  vrrpVersion?: 2 | 3;
  vrrpStrict?: boolean;
  /** Seconds VRRP instances wait after keepalived starts (`vrrp_startup_delay`), e.g. for a late network. */
  vrrpStartupDelay?: number;
  /** A master that hears a higher priority sends one more advert before it steps down
   * (`vrrp_higher_prio_send_advert`): the rightful master then re-announces (a split brain healing). */
  vrrpHigherPrioSendAdvert?: boolean;
}

/** A file whose number keepalived tracks (`track_file`): value x weight is added to the priority (weight 0:
 * a non-zero value is FAULT). */
export interface TrackFile {
  name: string;
  file: string;
  weight?: number;
  /** `init_file VALUE [overwrite]`: written when keepalived starts (if missing, or always with overwrite). */
  init?: { value: number; overwrite?: boolean };
}

export interface VrrpScript {
  name: string;
  /** Command line (quoted for you). */
  script: string;
  interval?: number;
  timeout?: number;
  weight?: number;
  rise?: number;
  fall?: number;
  user?: string;
}

export interface VirtualAddress {
  /** `address/prefix` (IPv4 or IPv6). */
  address: string;
  dev?: string;
  label?: string;
  scope?: string;
}

export interface VirtualRoute {
  /** Destination prefix, or `default`. */
  to: string;
  via?: string;
  dev?: string;
  src?: string;
  table?: number | string;
  metric?: number;
}

export interface Tracked {
  name: string;
  weight?: number;
}

export interface VrrpInstance {
  name: string;
  state: 'MASTER' | 'BACKUP';
  interface: string;
  virtualRouterId: number;
  priority: number;
  advertInt: number;
  /** Per-instance VRRP version (`version`). */
  version?: 2 | 3;
  /** true -> `preempt`; false -> `nopreempt` (only valid with state BACKUP); absent -> keepalived's default (preempt). */
  preempt?: boolean;
  preemptDelay?: number;
  authentication?: { type: 'PASS' | 'AH'; password: string };
  unicastSrcIp?: string;
  unicastPeers?: string[];
  virtualIpaddress: VirtualAddress[];
  virtualRoutes?: VirtualRoute[];
  trackInterface?: Tracked[];
  trackScript?: Tracked[];
  trackFile?: Tracked[];
  /** Script called on every transition with TYPE NAME STATE PRIORITY (quoted for you). */
  notify?: string;
  notifyMaster?: string;
  notifyBackup?: string;
  notifyFault?: string;
  notifyStop?: string;
  /** Script run when this master receives a lower-priority advert (a split brain healing). */
  notifyMasterRxLowerPri?: string;
  garpMasterDelay?: number;
  /** Gratuitous ARPs sent when this master receives a lower-priority advert (`garp_lower_prio_repeat`). */
  garpLowerPrioRepeat?: number;
}

export interface VrrpSyncGroup {
  name: string;
  group: string[];
  notify?: string;
  /** Interfaces tracked by the whole group (`track_interface`), weighted or not. */
  trackInterface?: Tracked[];
  trackScript?: Tracked[];
  /** Files tracked by the whole group (`track_file`): keepalived ignores weighted trackers on members. */
  trackFile?: Tracked[];
}

export interface KeepalivedConfig {
  /** Comment lines at the top of the file (without markers). */
  header?: string[];
  globalDefs?: GlobalDefs;
  scripts?: VrrpScript[];
  trackFiles?: TrackFile[];
  syncGroups?: VrrpSyncGroup[];
  instances: VrrpInstance[];
}

const tracked = (t: Tracked): Statement => stmt(t.name, t.weight === undefined ? [] : ['weight', t.weight]);

/** keepalived's own spelling of a number (advert_int 1, 0.5). */
const num = (n: number): string => String(n);

export function buildGlobalDefs(g: GlobalDefs): Statement {
  const b: Node[] = [];
  if (g.routerId !== undefined) b.push(stmt('router_id', [g.routerId]));
  if (g.enableScriptSecurity) b.push(stmt('enable_script_security'));
  if (g.scriptUser !== undefined) b.push(stmt('script_user', [g.scriptUser]));
  if (g.vrrpVersion !== undefined) b.push(stmt('vrrp_version', [g.vrrpVersion]));
  if (g.vrrpStrict) b.push(stmt('vrrp_strict'));
  if (g.vrrpStartupDelay !== undefined) b.push(stmt('vrrp_startup_delay', [num(g.vrrpStartupDelay)]));
  if (g.vrrpHigherPrioSendAdvert) b.push(stmt('vrrp_higher_prio_send_advert'));
  if (g.vrrpNotifyFifo !== undefined) b.push(stmt('vrrp_notify_fifo', [quote(g.vrrpNotifyFifo)]));
  if (g.vrrpNotifyFifoScript !== undefined)
    b.push(stmt('vrrp_notify_fifo_script', [quote(g.vrrpNotifyFifoScript)]));
  if (g.shutdownScript !== undefined) b.push(stmt('shutdown_script', [quote(g.shutdownScript)]));
  return stmt('global_defs', [], b);
}

export function buildVrrpScript(s: VrrpScript): Statement {
  const b: Node[] = [stmt('script', [quote(s.script)])];
  if (s.interval !== undefined) b.push(stmt('interval', [num(s.interval)]));
  if (s.timeout !== undefined) b.push(stmt('timeout', [num(s.timeout)]));
  if (s.weight !== undefined) b.push(stmt('weight', [s.weight]));
  if (s.rise !== undefined) b.push(stmt('rise', [s.rise]));
  if (s.fall !== undefined) b.push(stmt('fall', [s.fall]));
  if (s.user !== undefined) b.push(stmt('user', [s.user]));
  return stmt('vrrp_script', [s.name], b);
}

export function buildTrackFile(t: TrackFile): Statement {
  const b: Node[] = [stmt('file', [quote(t.file)])];
  if (t.weight !== undefined) b.push(stmt('weight', [t.weight]));
  if (t.init) b.push(stmt('init_file', t.init.overwrite ? [t.init.value, 'overwrite'] : [t.init.value]));
  return stmt('track_file', [t.name], b);
}

export function buildVrrpSyncGroup(g: VrrpSyncGroup): Statement {
  const b: Node[] = [
    stmt(
      'group',
      [],
      g.group.map((m) => stmt(m)),
    ),
  ];
  if (g.trackInterface?.length) b.push(stmt('track_interface', [], g.trackInterface.map(tracked)));
  if (g.trackScript?.length) b.push(stmt('track_script', [], g.trackScript.map(tracked)));
  if (g.trackFile?.length) b.push(stmt('track_file', [], g.trackFile.map(tracked)));
  if (g.notify !== undefined) b.push(stmt('notify', [quote(g.notify)]));
  return stmt('vrrp_sync_group', [g.name], b);
}

export function buildVrrpInstance(v: VrrpInstance): Statement {
  if (v.preempt === false && v.state === 'MASTER') {
    throw new Error(
      `vrrp_instance ${v.name}: nopreempt requires state BACKUP (keepalived ignores it with MASTER)`,
    );
  }
  const b: Node[] = [
    stmt('state', [v.state]),
    stmt('interface', [v.interface]),
    stmt('virtual_router_id', [v.virtualRouterId]),
    stmt('priority', [v.priority]),
    stmt('advert_int', [num(v.advertInt)]),
  ];
  if (v.version !== undefined) b.push(stmt('version', [v.version]));
  if (v.preempt === true) b.push(stmt('preempt'));
  if (v.preempt === false) b.push(stmt('nopreempt'));
  if (v.preemptDelay !== undefined) b.push(stmt('preempt_delay', [num(v.preemptDelay)]));
  if (v.garpMasterDelay !== undefined) b.push(stmt('garp_master_delay', [v.garpMasterDelay]));
  if (v.garpLowerPrioRepeat !== undefined) b.push(stmt('garp_lower_prio_repeat', [v.garpLowerPrioRepeat]));
  if (v.authentication) {
    b.push(
      stmt(
        'authentication',
        [],
        [stmt('auth_type', [v.authentication.type]), stmt('auth_pass', [quote(v.authentication.password)])],
      ),
    );
  }
  if (v.unicastSrcIp !== undefined) b.push(stmt('unicast_src_ip', [v.unicastSrcIp]));
  if (v.unicastPeers)
    b.push(
      stmt(
        'unicast_peer',
        [],
        v.unicastPeers.map((p) => stmt(p)),
      ),
    );
  b.push(
    stmt(
      'virtual_ipaddress',
      [],
      v.virtualIpaddress.map((a) => {
        const args: string[] = [];
        if (a.dev !== undefined) args.push('dev', a.dev);
        if (a.label !== undefined) args.push('label', a.label);
        if (a.scope !== undefined) args.push('scope', a.scope);
        return stmt(a.address, args);
      }),
    ),
  );
  if (v.virtualRoutes?.length) {
    b.push(
      stmt(
        'virtual_routes',
        [],
        v.virtualRoutes.map((r) => {
          const args: string[] = [];
          if (r.via !== undefined) args.push('via', r.via);
          if (r.dev !== undefined) args.push('dev', r.dev);
          if (r.src !== undefined) args.push('src', r.src);
          if (r.table !== undefined) args.push('table', String(r.table));
          if (r.metric !== undefined) args.push('metric', String(r.metric));
          return stmt(r.to === 'default' ? 'default' : r.to, args);
        }),
      ),
    );
  }
  if (v.trackInterface?.length) b.push(stmt('track_interface', [], v.trackInterface.map(tracked)));
  if (v.trackScript?.length) b.push(stmt('track_script', [], v.trackScript.map(tracked)));
  if (v.trackFile?.length) b.push(stmt('track_file', [], v.trackFile.map(tracked)));
  const notifies: Array<[string, string | undefined]> = [
    ['notify', v.notify],
    ['notify_master', v.notifyMaster],
    ['notify_backup', v.notifyBackup],
    ['notify_fault', v.notifyFault],
    ['notify_stop', v.notifyStop],
    ['notify_master_rx_lower_pri', v.notifyMasterRxLowerPri],
  ];
  for (const [k, cmd] of notifies) if (cmd !== undefined) b.push(stmt(k, [quote(cmd)]));
  return stmt('vrrp_instance', [v.name], b);
}

/** Builds the tree of a whole keepalived.conf; print it with `print()`. */
export function buildConfig(c: KeepalivedConfig): ConfigFile {
  const body: Node[] = [];
  const blank = (): void => {
    if (body.length > 0) body.push({ kind: 'blank', pos: BUILT });
  };
  for (const h of c.header ?? []) body.push(comment(h));
  if (c.globalDefs) {
    blank();
    body.push(buildGlobalDefs(c.globalDefs));
  }
  for (const s of c.scripts ?? []) {
    blank();
    body.push(buildVrrpScript(s));
  }
  for (const t of c.trackFiles ?? []) {
    blank();
    body.push(buildTrackFile(t));
  }
  for (const g of c.syncGroups ?? []) {
    blank();
    body.push(buildVrrpSyncGroup(g));
  }
  for (const v of c.instances) {
    blank();
    body.push(buildVrrpInstance(v));
  }
  return { kind: 'file', file: '<built>', body };
}
