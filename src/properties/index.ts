export { parseProperties, parsePropertiesBuffer, PropertiesSyntaxError } from './parse.js';
export type { ParsedProperties, PropertyEntry } from './parse.js';
export {
  KNOWN_KEYS,
  NESTED_KEYS,
  FREEFORM_PREFIXES,
  lookupKey,
  normalizeKey,
  suggestKey,
  editDistance,
  allKnownKeyNames,
} from './keys.js';
export type { PropertyType, KeyLookup } from './keys.js';
export {
  validateProperties,
  validatePropertiesFile,
  formatDiagnostic,
  getTimeoutSeconds,
  resolveCommand,
  splitExecutable,
} from './validate.js';
export type { Diagnostic, Severity, ValidateOptions, ValidationResult } from './validate.js';
