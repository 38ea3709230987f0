// Validates rendered Kubernetes manifests offline: every core object against Kubernetes' own
// schemas (npm kubernetes-models), every custom resource against the openAPIV3Schema of its
// operator's CRD (Strimzi, CloudNativePG, Prometheus Operator; ETP_CRDS_DIR or ../shared/crds).
// A field a CRD schema does not know is an error, as the API server's strict field validation
// makes it (unless the schema preserves unknown fields). An object of a kind neither knows is an
// error too: nothing passes unchecked.
//
//   node tests/deploy/validate-k8s.mjs --crds DIR FILE.yaml...   (- reads standard input)
//   node tests/deploy/validate-k8s.mjs --crds DIR --self-test    (proves it rejects bad objects)
//
// Exit status: 0 all valid, 1 an object is invalid, 2 usage or a missing CRD folder.
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import Ajv from "ajv";
import { RE2 } from "re2-wasm";

function die(message, code = 2) {
    console.error(`validate-k8s: ${message}`);
    process.exit(code);
}

const args = process.argv.slice(2);
let crdsDir = process.env.ETP_CRDS_DIR || "";
let selfTest = false;
const files = [];
for (let i = 0; i < args.length; ++i) {
    if (args[i] === "--crds") crdsDir = args[++i] ?? "";
    else if (args[i] === "--self-test") selfTest = true;
    else files.push(args[i]);
}
if (!crdsDir) die("no CRD folder: pass --crds DIR or set ETP_CRDS_DIR");
if (!fs.existsSync(crdsDir) || !fs.statSync(crdsDir).isDirectory())
    die(`the CRD folder ${crdsDir} does not exist (set ETP_CRDS_DIR to the folder of the ` +
        "Strimzi, CloudNativePG and Prometheus Operator CRDs)");
if (!selfTest && files.length === 0) die("no manifest files given");

// Objects with properties get additionalProperties: false unless they preserve unknown fields
// or already say what extra properties may be.
function strict(schema) {
    if (Array.isArray(schema)) return schema.map(strict);
    if (schema === null || typeof schema !== "object") return schema;
    const out = {};
    for (const [key, value] of Object.entries(schema)) out[key] = strict(value);
    if (out.properties && out.additionalProperties === undefined &&
        !out["x-kubernetes-preserve-unknown-fields"])
        out.additionalProperties = false;
    return out;
}

// The CRDs' patterns are Go (RE2) expressions, e.g. "(?i)...", which JavaScript's RegExp
// refuses; formats such as int32 are Kubernetes' and only say what the type already does.
const ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateFormats: false,
    logger: false,
    code: { regExp: (source, flags) => new RE2(source, flags.includes("u") ? flags : flags + "u") },
});
const customKinds = new Map();  // "group/version Kind" -> compiled validator
for (const file of fs.readdirSync(crdsDir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of yaml.loadAll(fs.readFileSync(path.join(crdsDir, file), "utf8"))) {
        if (!doc || doc.kind !== "CustomResourceDefinition") continue;
        for (const version of doc.spec.versions ?? []) {
            const schema = version.schema?.openAPIV3Schema;
            if (!schema || version.served === false) continue;
            const key = `${doc.spec.group}/${version.name} ${doc.spec.names.kind}`;
            // metadata is the API server's, not the CRD's: its schema only says "object".
            const s = strict(schema);
            if (s.properties?.metadata) s.properties.metadata = { type: "object" };
            customKinds.set(key, ajv.compile(s));
        }
    }
}
if (customKinds.size === 0) die(`no CustomResourceDefinition in ${crdsDir}`);

// kubernetes-models: apps/v1 -> kubernetes-models/apps/v1/Deployment; v1 -> .../v1/Service.
async function coreModel(apiVersion, kind) {
    if (!/^[a-z0-9.]*\/?v[0-9a-z]+$/.test(apiVersion) || !/^[A-Z][A-Za-z]+$/.test(kind))
        return null;
    try {
        const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
        return module[kind] ?? null;
    } catch {
        return null;
    }
}

function where(doc, source) {
    const ns = doc?.metadata?.namespace ? `${doc.metadata.namespace}/` : "";
    return `${source}: ${doc?.apiVersion} ${doc?.kind} ${ns}${doc?.metadata?.name ?? "(no name)"}`;
}

// Returns the problems of one object (empty when valid).
async function validate(doc) {
    if (!doc || typeof doc !== "object") return ["not an object"];
    if (!doc.apiVersion || !doc.kind) return ["apiVersion and kind are required"];
    if (!doc.metadata?.name) return ["metadata.name is required"];
    const custom = customKinds.get(`${doc.apiVersion} ${doc.kind}`);
    if (custom) {
        if (custom(doc)) return [];
        return custom.errors.map((e) => `${e.instancePath || "/"} ${e.message}` +
            (e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""));
    }
    const Model = await coreModel(doc.apiVersion, doc.kind);
    if (!Model) return ["unknown kind: neither a Kubernetes kind nor one of the CRDs"];
    // kubectl kustomize wraps long base64 values over lines; the API server's decoder (Go's
    // encoding/base64) skips line breaks, the "byte" format of the schemas does not.
    const unwrapped = structuredClone(doc);
    for (const field of ["data", "binaryData"]) {
        if (doc.kind !== "Secret" && !(doc.kind === "ConfigMap" && field === "binaryData")) continue;
        for (const [key, value] of Object.entries(unwrapped[field] ?? {}))
            if (typeof value === "string") unwrapped[field][key] = value.replace(/[\r\n]/g, "");
    }
    try {
        new Model(unwrapped).validate();
        return [];
    } catch (e) {
        return [String(e.message)];
    }
}

async function check(docs, source) {
    let bad = 0;
    const kinds = new Map();
    for (const doc of docs) {
        if (doc === null || doc === undefined) continue;
        const problems = await validate(doc);
        kinds.set(doc.kind, (kinds.get(doc.kind) ?? 0) + 1);
        if (problems.length === 0) continue;
        ++bad;
        console.error(`INVALID ${where(doc, source)}`);
        for (const p of problems.slice(0, 10)) console.error(`    ${p}`);
    }
    return { bad, kinds };
}

if (selfTest) {
    // Each must be refused; a validator that passes everything would pass these.
    const bad = [
        { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" },
          spec: { replicas: "two", selector: {}, template: {} } },
        { apiVersion: "kafka.strimzi.io/v1", kind: "KafkaTopic", metadata: { name: "t" },
          spec: { partitions: "many" } },
        { apiVersion: "kafka.strimzi.io/v1", kind: "KafkaTopic", metadata: { name: "t" },
          spec: { partitions: 3, replica: 1 } },
        { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "m" },
          spec: { endpoints: "all" } },
        { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } },
        { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { k: "not base64!" } },
    ];
    const good = [
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { A: "1" } },
        { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { k: "YWJj\nZGVm" } },
        { apiVersion: "kafka.strimzi.io/v1", kind: "KafkaTopic", metadata: { name: "t" },
          spec: { partitions: 3, replicas: 1 } },
    ];
    let failures = 0;
    for (const doc of bad) {
        if ((await validate(doc)).length === 0) {
            console.error(`self-test: accepted a bad object: ${JSON.stringify(doc)}`);
            ++failures;
        }
    }
    for (const doc of good) {
        const problems = await validate(doc);
        if (problems.length > 0) {
            console.error(`self-test: refused a good object ${JSON.stringify(doc)}: ${problems}`);
            ++failures;
        }
    }
    if (failures > 0) process.exit(1);
    console.log(`self-test: ${bad.length} bad objects refused, ${good.length} good ones accepted ` +
        `(${customKinds.size} custom kinds from ${crdsDir})`);
    process.exit(0);
}

let invalid = 0;
for (const file of files) {
    const text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
    const { bad, kinds } = await check(yaml.loadAll(text), file === "-" ? "stdin" : file);
    invalid += bad;
    const summary = [...kinds].sort().map(([k, n]) => `${n} ${k}`).join(", ");
    console.log(`${file === "-" ? "stdin" : file}: ${bad === 0 ? "valid" : `${bad} invalid`} (${summary})`);
}
process.exit(invalid > 0 ? 1 : 0);
