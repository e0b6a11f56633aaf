// Second validator for the rendered Kubernetes objects (the first is strict typed loading in
// tests/ChongqingVet.K8s.Tests): the npm package kubernetes-models checks each object against the Kubernetes
// OpenAPI schema, which catches what typed loading lets through, such as an enum value that does not exist
// (imagePullPolicy: Sometimes, protocol: TCPX).
// Input: a JSON array of Kubernetes objects on stdin. Output: one line per invalid object.
// Exit: 0 all valid, 1 some invalid, 2 cannot run (kubernetes-models missing: run `npm ci` at the repository root).
import { readFileSync } from 'node:fs';

try {
  await import('kubernetes-models/v1');
} catch (error) {
  console.error(`kubernetes-models is not installed (${error.code}): run 'npm ci' at the repository root.`);
  process.exit(2);
}

const objects = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
for (const object of objects) {
  const id = `${object.kind}/${object.metadata?.name}`;
  let models;
  try {
    // apiVersion "v1" -> kubernetes-models/v1, "apps/v1" -> kubernetes-models/apps/v1
    models = await import(`kubernetes-models/${object.apiVersion}`);
  } catch {
    problems.push(`${id}: no model for apiVersion ${object.apiVersion}`);
    continue;
  }
  const Model = models[object.kind];
  if (typeof Model !== 'function') {
    problems.push(`${id}: no model for kind ${object.kind} in ${object.apiVersion}`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${id}: ${error.message}`);
  }
}

for (const problem of problems) console.log(problem);
process.exit(problems.length === 0 ? 0 : 1);
