// Writes hagate.schema.json (the JSON Schema of hagate.yaml) from the built schema, for editors.
import { writeFileSync } from 'node:fs';
import { specJsonSchema } from '../dist/index.js';

writeFileSync(
  new URL('../hagate.schema.json', import.meta.url),
  `${JSON.stringify(specJsonSchema(), null, 2)}\n`,
);
