// Ships the example specs with the CLI (for `hagate init`) and marks the bin executable.
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';

mkdirSync('examples', { recursive: true });
for (const name of ['dedibox', 'home']) {
  copyFileSync(`../../examples/${name}/hagate.yaml`, `examples/${name}.yaml`);
}
chmodSync('dist/bin.js', 0o755);
