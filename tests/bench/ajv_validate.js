// ajv_validate.js SCHEMA_DIR SCHEMA_FILE ROOT LIST
// The ajv side of the benchmarks: one node process compiles SCHEMA_FILE once
// (every other *.json schema of SCHEMA_DIR is added first, for $refs), then
// reads, parses and validates each file named in LIST (one path a line,
// relative to ROOT).  Formats are assertions (ajv-formats), like wsmigrate
// validate --assert-formats.  Prints "valid N invalid M".
"use strict";
const fs = require("fs");
const path = require("path");
const [schemaDir, schemaFile, root, list] = process.argv.slice(2);
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;
const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
addFormats(ajv);
let target;
for (const f of fs.readdirSync(schemaDir)) {
  if (!f.endsWith(".json") || f === "migration.json") continue;
  const s = JSON.parse(fs.readFileSync(path.join(schemaDir, f), "utf8"));
  if (f === schemaFile) target = s;
  else ajv.addSchema(s, s.$id ? undefined : f);
}
const validate = ajv.compile(target);
let valid = 0, invalid = 0;
for (const rel of fs.readFileSync(list, "utf8").split("\n")) {
  if (!rel) continue;
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(path.join(root, rel), "utf8"));
  } catch (e) {
    invalid++;
    continue;
  }
  if (validate(doc)) valid++; else invalid++;
}
console.log("valid " + valid + " invalid " + invalid);
