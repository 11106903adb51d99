// Deep imports of single zxcvbn-ts dictionaries (the packages ship them as separate modules but
// declare types only for their index), so the Worker bundles just the dictionaries we use.
declare module "@zxcvbn-ts/language-common/dist/passwords.json.mjs" {
  const passwords: string[];
  export default passwords;
}
declare module "@zxcvbn-ts/language-common/dist/adjacencyGraphs.json.mjs" {
  const graphs: Record<string, Record<string, (string | null)[]>>;
  export default graphs;
}
declare module "@zxcvbn-ts/language-en/dist/firstnames.json.mjs" {
  const names: string[];
  export default names;
}
declare module "@zxcvbn-ts/language-en/dist/wordSequences.json.mjs" {
  const sequences: Record<string, string[]>;
  export default sequences;
}
declare module "@zxcvbn-ts/language-en/dist/translations.mjs" {
  const translations: import("@zxcvbn-ts/core").TranslationKeys;
  export default translations;
}
