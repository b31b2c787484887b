// The YAML-driven conformance suite: every cases/*.yaml is a manifest plus rows of {request, expect},
// run as YAML -> registry -> compileProxy -> createProxy -> real sockets to echo backends on port 0.
import { after, before, describe, test } from 'node:test';
import { basename } from 'node:path';
import { caseFiles, loadCaseFile } from './case-file.js';
import { startMeshHarness, type MeshHarness } from './mesh-harness.js';
import { runRow } from './run-row.js';

for (const path of caseFiles()) {
  const cf = loadCaseFile(path);
  describe(`${basename(path)}${cf.description ? `: ${cf.description}` : ''}`, () => {
    let h: MeshHarness;
    before(async () => {
      h = await startMeshHarness(cf);
    });
    after(async () => {
      await h?.close();
    });
    for (const row of cf.cases) {
      if (row.skip) test(row.name, { skip: row.skip }, () => undefined);
      else test(row.name, () => runRow(h, row));
    }
  });
}
