// The DICT observability pack as a monitoring mixin (prometheusAlerts, prometheusRules,
// grafanaDashboards), for kube-prometheus users who vendor it with jsonnet-bundler.
//
// It serves what the pack's Python generators wrote (alerts/generated, dashboards/generated):
// nothing here restates a rule or a panel. The pack configuration is the single source of the
// knobs (job names, the namespace label, thresholds); to change them, edit it and run
// `make generate manifests`, then vendor the result (see docs/deploy.md).
local pack = import 'lib/generated/pack.libsonnet';

local groups = std.flattenArrays([pack.rules[file].groups for file in std.objectFields(pack.rules)]);
local kind(rule) = if std.objectHas(rule, 'alert') then 'alert' else 'record';
local groupKind(group) =
  local kinds = std.set([kind(rule) for rule in group.rules]);
  assert std.length(kinds) == 1 : 'rule group %s mixes alerts and recording rules' % group.name;
  kinds[0];

{
  _config+:: pack.knobs,
  prometheusAlerts+:: { groups+: [g for g in groups if groupKind(g) == 'alert'] },
  prometheusRules+:: { groups+: [g for g in groups if groupKind(g) == 'record'] },
  // Dashboard models by file name, as kube-prometheus expects them.
  grafanaDashboards+:: { [file]: std.parseJson(pack.dashboards[file]) for file in std.objectFields(pack.dashboards) },
}
