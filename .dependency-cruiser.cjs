// The architecture, checked (`npm run depcruise`, run by .ci/run): one direction of flow,
//
//   capture → decode → track (= correlate) → diagnose → report → knowledge → cli
//
// each folder may import only folders to its left. correlate/ sits at track's level: it may import
// capture, decode and track; diagnose and above may import it; track may not. knowledge/ (explain,
// queues, host) sits below cli/ and above report/: it may import the diagnosis (the catalog's findings
// half is the detector registry, diagnose/registry.ts) and the report's printers, never cli/.
// No circular imports, type-only ones included.

const LAYERS = ['capture', 'decode', 'track', 'correlate', 'diagnose', 'report', 'knowledge', 'cli'];

/** Folders a layer must not import: every layer to its right (correlate counts as above track). */
function above(layer) {
  return LAYERS.slice(LAYERS.indexOf(layer) + 1);
}

module.exports = {
  forbidden: [
    ...LAYERS.filter((l) => above(l).length > 0).map((layer) => ({
      name: `${layer}-not-upward`,
      severity: 'error',
      comment: `${layer}/ must not import ${above(layer).join(', ')} (the pipeline flows one way)`,
      from: { path: `^src/${layer}/` },
      to: { path: `^src/(${above(layer).join('|')})/` },
    })),
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-not-into-tests',
      severity: 'error',
      comment: 'The program does not import its tests or scripts.',
      from: { path: '^src/' },
      to: { path: '^(test|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a cycle through `import type` is still a cycle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
