// The layering rule (docs/architecture.md): dependencies point one way, from the front ends down
// to storage; config, errors and telemetry are used by all and use none. Each rule names a layer
// and the layers it may not import; `npm run lint` fails on any violation.
const BASE = 'config|errors|telemetry';
/** A layer may import itself, the base, and the layers listed. */
const layer = (name, allowed) => ({
  name: `${name}-imports-only-below`,
  comment: `src/${name} may import only ${allowed || 'the base layers'} (and ${BASE})`,
  severity: 'error',
  from: { path: `^src/(${name})/` },
  to: {
    path: '^src/',
    pathNot: [`^src/(${name}|${BASE}${allowed ? `|${allowed}` : ''})/`],
  },
});

module.exports = {
  forbidden: [
    {
      name: 'base-imports-nothing',
      comment: `${BASE} are used by every layer and use none of them`,
      severity: 'error',
      from: { path: `^src/(${BASE})/` },
      to: { path: '^src/', pathNot: [`^src/(${BASE})/`] },
    },
    layer('storage', ''),
    layer('models', 'storage'),
    layer('guard', 'models|storage'),
    layer('accounting', 'storage'),
    layer('jobs', 'storage'),
    layer('knowledge', 'guard|models|jobs|storage'),
    layer('tools', 'knowledge|guard|models|storage'),
    layer('orchestrator', 'tools|knowledge|guard|models|accounting|jobs|storage'),
    layer('edge', 'accounting|jobs|storage'),
    layer('eval', 'orchestrator|tools|knowledge|guard|models|accounting|storage'),
    layer('server', 'edge|orchestrator|tools|knowledge|guard|models|accounting|jobs|storage'),
    layer('app', 'server|edge|orchestrator|tools|knowledge|guard|models|accounting|jobs|storage'),
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
