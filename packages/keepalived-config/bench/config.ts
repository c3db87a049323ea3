/** The generated keepalived.conf of the benchmarks: n vrrp_instance blocks, canonical layout. */
import { buildConfig, print, type VrrpInstance } from '../src/index.js';

export function config(n: number): string {
  const instances: VrrpInstance[] = [];
  for (let i = 0; i < n; i++) {
    const a = (i >> 8) & 255;
    const b = i & 255;
    instances.push({
      name: `VI_${i}`,
      state: i % 2 === 0 ? 'MASTER' : 'BACKUP',
      interface: `eth${i % 4}`,
      virtualRouterId: (i % 255) + 1,
      priority: 100 + (i % 100),
      advertInt: 1,
      authentication: { type: 'PASS', password: 'secret' },
      unicastSrcIp: `10.${a}.${b}.1`,
      unicastPeers: [`10.${a}.${b}.2`],
      virtualIpaddress: [{ address: `10.${a}.${b}.254/24`, dev: `eth${i % 4}` }],
      notify: '/usr/local/sbin/hagate-agent',
    });
  }
  return print(
    buildConfig({
      header: [`bench: ${n} instances`],
      globalDefs: { routerId: 'bench', enableScriptSecurity: true, scriptUser: 'root' },
      instances,
    }),
  );
}
