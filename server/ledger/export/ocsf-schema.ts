import fs from "node:fs";
import path from "node:path";

/**
 * A validator for OCSF events against the schema's own JSON definitions (the ocsf-schema repository
 * layout: events/, objects/, profiles/, dictionary.json, categories.json). It resolves classes and
 * objects the way the OCSF server does — `extends` chains, `$include` files and profiles merged in,
 * attribute definitions completed from the dictionary, enums merged — then checks an event: known
 * attributes only, required ones present, types and enums valid, `at_least_one`/`just_one`
 * constraints, and class_uid / category_uid / type_uid consistent.
 *
 * Used by the tests of the OCSF export and by `npm run ledger:verify-export -- --ocsf-schema DIR`.
 */

interface AttributeDef {
  type?: string;
  is_array?: boolean;
  requirement?: string;
  enum?: Record<string, unknown>;
  /** Set when the attribute comes from a profile: required only where that profile is applied. */
  profile?: string | null;
}

interface Definition {
  name: string;
  extends?: string;
  category?: string;
  uid?: number;
  attributes: Record<string, AttributeDef>;
  constraints?: { at_least_one?: string[]; just_one?: string[] };
}

interface RawDefinition {
  name: string;
  extends?: string;
  category?: string;
  uid?: number;
  attributes?: Record<string, unknown>;
  constraints?: Definition["constraints"];
}

export interface OcsfSchema {
  version: string;
  /** Resolved event classes by class_uid. */
  classes: Map<number, Definition & { categoryUid: number; classUid: number }>;
  objects: Map<string, Definition>;
  types: Record<string, { type?: string; regex?: string }>;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : entry.name.endsWith(".json") ? [full] : [];
  });
}

function mergeAttribute(base: AttributeDef | undefined, over: AttributeDef): AttributeDef {
  const merged: AttributeDef = { ...base, ...over };
  if (base?.enum || over.enum) merged.enum = { ...base?.enum, ...over.enum };
  return merged;
}

export function loadOcsfSchema(root: string): OcsfSchema {
  const dictionary = readJson<{ attributes: Record<string, AttributeDef>; types: { attributes: Record<string, { type?: string; regex?: string }> } }>(
    path.join(root, "dictionary.json"),
  );
  const categories = readJson<{ attributes: Record<string, { uid: number }> }>(path.join(root, "categories.json")).attributes;
  const version = readJson<{ version: string }>(path.join(root, "version.json")).version;

  /** Own attributes of a definition file, with its `$include`s (and their profile name) expanded. */
  const ownAttributes = (raw: RawDefinition): Record<string, AttributeDef> => {
    const out: Record<string, AttributeDef> = {};
    for (const [name, value] of Object.entries(raw.attributes ?? {})) {
      if (name === "$include") {
        for (const include of value as string[]) {
          const included = readJson<RawDefinition & { meta?: string }>(path.join(root, include));
          const profile = included.meta === "profile" ? included.name : null;
          for (const [attr, def] of Object.entries(ownAttributes(included))) {
            out[attr] = mergeAttribute(out[attr], { ...def, ...(profile ? { profile } : {}) });
          }
        }
      } else {
        out[name] = mergeAttribute(out[name], value as AttributeDef);
      }
    }
    return out;
  };

  const resolveAll = (files: string[]): Map<string, Definition> => {
    const raw = new Map<string, RawDefinition>();
    for (const file of files) {
      const definition = readJson<RawDefinition>(file);
      if (definition.name) raw.set(definition.name, definition);
    }
    const resolved = new Map<string, Definition>();
    const resolve = (name: string): Definition => {
      const done = resolved.get(name);
      if (done) return done;
      const definition = raw.get(name);
      if (!definition) throw new Error(`OCSF definition ${name} not found`);
      const parent = definition.extends ? resolve(definition.extends) : undefined;
      const attributes: Record<string, AttributeDef> = { ...parent?.attributes };
      for (const [attr, def] of Object.entries(ownAttributes(definition))) attributes[attr] = mergeAttribute(attributes[attr], def);
      const result: Definition = {
        name,
        extends: definition.extends,
        category: definition.category ?? parent?.category,
        uid: definition.uid,
        attributes,
        constraints: definition.constraints ?? parent?.constraints,
      };
      resolved.set(name, result);
      return result;
    };
    for (const name of raw.keys()) resolve(name);
    // Complete every attribute from the dictionary (type, is_array, enums shared by all classes).
    for (const definition of resolved.values()) {
      for (const [attr, def] of Object.entries(definition.attributes)) {
        const base = dictionary.attributes[attr];
        if (!base) throw new Error(`OCSF attribute ${attr} of ${definition.name} is not in the dictionary`);
        definition.attributes[attr] = mergeAttribute({ type: base.type, is_array: base.is_array, enum: base.enum }, def);
      }
    }
    return resolved;
  };

  const objects = resolveAll(walk(path.join(root, "objects")));
  const events = resolveAll(walk(path.join(root, "events")));
  const classes: OcsfSchema["classes"] = new Map();
  for (const definition of events.values()) {
    if (definition.uid === undefined || !definition.category || definition.category === "other") continue;
    const categoryUid = categories[definition.category]?.uid;
    if (categoryUid === undefined) continue;
    const classUid = categoryUid * 1000 + definition.uid;
    // As the OCSF server does: a class's class_uid and category_uid enums are its own values only.
    const attributes = {
      ...definition.attributes,
      class_uid: { ...definition.attributes.class_uid, enum: { [classUid]: {} } },
      category_uid: { ...definition.attributes.category_uid, enum: { [categoryUid]: {} } },
    };
    classes.set(classUid, { ...definition, attributes, categoryUid, classUid });
  }
  return { version, classes, objects, types: dictionary.types.attributes };
}

/** Errors for one event (empty when valid), as `path: problem`. */
export function validateOcsfEvent(schema: OcsfSchema, event: unknown): string[] {
  const errors: string[] = [];
  if (!isRecord(event)) return ["event: not an object"];
  const classUid = event.class_uid;
  const definition = typeof classUid === "number" ? schema.classes.get(classUid) : undefined;
  if (!definition) return [`class_uid: ${String(classUid)} is not an OCSF ${schema.version} event class`];
  if (event.category_uid !== definition.categoryUid) errors.push(`category_uid: ${String(event.category_uid)} is not ${definition.categoryUid}`);
  if (typeof event.activity_id === "number" && event.type_uid !== definition.classUid * 100 + event.activity_id) {
    errors.push(`type_uid: ${String(event.type_uid)} is not class_uid × 100 + activity_id (${definition.classUid * 100 + event.activity_id})`);
  }
  const profiles = isRecord(event.metadata) && Array.isArray(event.metadata.profiles) ? (event.metadata.profiles as string[]) : [];
  validateAttributes(schema, definition, event, definition.name, profiles, errors);
  return errors;
}

function validateAttributes(
  schema: OcsfSchema,
  definition: Definition,
  value: Record<string, unknown>,
  where: string,
  profiles: readonly string[],
  errors: string[],
): void {
  for (const [name, def] of Object.entries(definition.attributes)) {
    const applies = !def.profile || profiles.includes(def.profile);
    if (def.requirement === "required" && applies && (value[name] === undefined || value[name] === null)) {
      errors.push(`${where}.${name}: required`);
    }
  }
  for (const [name, item] of Object.entries(value)) {
    const def = definition.attributes[name];
    if (!def) {
      errors.push(`${where}.${name}: not an attribute of ${definition.name}`);
      continue;
    }
    if (item === null || item === undefined) continue;
    if (def.is_array) {
      if (!Array.isArray(item)) errors.push(`${where}.${name}: must be an array`);
      else item.forEach((element, index) => validateValue(schema, def, element, `${where}.${name}[${index}]`, profiles, errors));
    } else {
      validateValue(schema, def, item, `${where}.${name}`, profiles, errors);
    }
  }
  const constraints = definition.constraints;
  if (constraints?.at_least_one && !constraints.at_least_one.some((name) => value[name] !== undefined && value[name] !== null)) {
    errors.push(`${where}: needs at least one of ${constraints.at_least_one.join(", ")}`);
  }
  if (constraints?.just_one && constraints.just_one.filter((name) => value[name] !== undefined && value[name] !== null).length !== 1) {
    errors.push(`${where}: needs exactly one of ${constraints.just_one.join(", ")}`);
  }
}

function baseType(schema: OcsfSchema, type: string): { base: string; regex?: RegExp } {
  let current = type;
  let regex: RegExp | undefined;
  for (let depth = 0; depth < 5; depth++) {
    const definition = schema.types[current];
    if (definition?.regex && !regex) regex = new RegExp(definition.regex);
    if (!definition?.type) break;
    current = definition.type;
  }
  return { base: current, regex };
}

function validateValue(schema: OcsfSchema, def: AttributeDef, value: unknown, where: string, profiles: readonly string[], errors: string[]): void {
  const type = def.type ?? "object";
  if (!type.endsWith("_t")) {
    const object = type === "object" ? undefined : schema.objects.get(type);
    if (!isRecord(value)) errors.push(`${where}: must be an object (${type})`);
    else if (object) validateAttributes(schema, object, value, where, profiles, errors);
    return;
  }
  const { base, regex } = baseType(schema, type);
  switch (base) {
    case "string_t":
      if (typeof value !== "string") errors.push(`${where}: must be a string`);
      else if (regex && !regex.test(value)) errors.push(`${where}: does not match ${type}`);
      break;
    case "integer_t":
    case "long_t":
      if (typeof value !== "number" || !Number.isInteger(value)) errors.push(`${where}: must be an integer`);
      break;
    case "float_t":
      if (typeof value !== "number") errors.push(`${where}: must be a number`);
      break;
    case "boolean_t":
      if (typeof value !== "boolean") errors.push(`${where}: must be true or false`);
      break;
    case "json_t":
      break;
    default:
      if (typeof value === "object") errors.push(`${where}: must be a ${base}`);
  }
  if (def.enum && !Object.prototype.hasOwnProperty.call(def.enum, String(value))) {
    errors.push(`${where}: ${String(value)} is not one of ${Object.keys(def.enum).join(", ")}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Where the schema lives beside a checkout (../shared), unless OCSF_SCHEMA_DIR says otherwise. */
export function defaultOcsfSchemaDir(): string {
  return process.env.OCSF_SCHEMA_DIR ?? path.resolve(process.cwd(), "..", "shared", "ocsf-schema-1.8.0");
}
