// Validates every object of a multi-document YAML stream (stdin) against its schema: Kubernetes' built-in kinds with
// kubernetes-models, monitoring.coreos.com kinds with @kubernetes-models/prometheus-operator, and custom resources
// of the CRDs given as arguments against their openAPIV3Schema for the object's version (ajv). An object of a kind
// none of them knows is a failure too.
//
//   node validate.mjs deploy/crds/istio-crds.yaml < rendered.yaml
//
// Prints one line per failure (`Kind namespace/name: /json/path: message`) and exits 1, else prints how many objects
// are valid and exits 0. Exit 2: the input or a CRD file could not be read.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import Ajv from "ajv";

const crdFiles = process.argv.slice(2);
const customSchemas = new Map(); // "group/version/Kind" -> compiled ajv validator
// Kubernetes' structural-schema keywords (x-kubernetes-*) are not JSON Schema: strict off lets ajv pass over them.
// Formats (int32, date-time...) are not checked: the types are.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

function readDocuments(text, source) {
  const objects = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) {
      console.error(`${source}: ${document.errors[0].message}`);
      process.exit(2);
    }
    const value = document.toJS();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

for (const file of crdFiles) {
  for (const crd of readDocuments(readFileSync(file, "utf8"), file)) {
    if (crd.kind !== "CustomResourceDefinition") continue;
    for (const version of crd.spec?.versions ?? []) {
      const schema = version.schema?.openAPIV3Schema;
      if (!schema) continue;
      customSchemas.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
    }
  }
}

function describe(object) {
  const namespace = object?.metadata?.namespace;
  const name = object?.metadata?.name ?? "(no name)";
  return `${object?.kind ?? "(no kind)"} ${namespace ? `${namespace}/${name}` : name}`;
}

// The model class of a built-in or prometheus-operator kind, or null when no package knows the apiVersion and kind.
async function modelClass(apiVersion, kind) {
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  const module = group === "monitoring.coreos.com" ? `@kubernetes-models/prometheus-operator/${apiVersion}` : `kubernetes-models/${apiVersion}`;
  let exports;
  try {
    exports = await import(module);
  } catch {
    return null;
  }
  const model = exports[kind];
  // Only top-level kinds carry their own apiVersion and kind (ObjectMeta, PodSpec... are exported too).
  return typeof model === "function" && model.kind === kind && model.apiVersion === apiVersion ? model : null;
}

const failures = [];
const objects = readDocuments(readFileSync(0, "utf8"), "stdin");
for (const object of objects) {
  const where = describe(object);
  if (typeof object !== "object" || Array.isArray(object)) {
    failures.push(`${where}: /: not an object`);
    continue;
  }
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== "string" || typeof kind !== "string" || typeof object.metadata?.name !== "string") {
    failures.push(`${where}: /: apiVersion, kind and metadata.name are required`);
    continue;
  }
  const custom = customSchemas.get(`${apiVersion}/${kind}`);
  if (custom) {
    if (!custom(object)) {
      for (const error of custom.errors) failures.push(`${where}: ${error.instancePath || "/"}: ${error.message}`);
    }
    continue;
  }
  const model = await modelClass(apiVersion, kind);
  if (!model) {
    failures.push(`${where}: /: unknown kind ${apiVersion} ${kind} (no Kubernetes, prometheus-operator or given CRD schema)`);
    continue;
  }
  try {
    new model(object).validate();
  } catch (error) {
    if (!Array.isArray(error.errors)) throw error;
    for (const detail of error.errors) failures.push(`${where}: ${detail.instancePath || "/"}: ${detail.message}`);
  }
}

for (const failure of failures) console.log(failure);
if (failures.length > 0) {
  console.log(`${failures.length} failures in ${objects.length} objects`);
  process.exit(1);
}
console.log(`${objects.length} objects valid`);
