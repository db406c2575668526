// What Prometheus and Grafana pick up: ServiceMonitors for the worker, the exporter and the
// Temporal server, PrometheusRules from the mixin, and one ConfigMap per dashboard.
local pack = import 'generated/pack.libsonnet';
local mixin = import '../mixin.libsonnet';
local workloads = import 'workloads.libsonnet';

// Under the Prometheus Operator a scraped label that clashes with a target label is renamed
// exported_<label> (honor_labels is false), and every target gets `namespace` = the Kubernetes
// namespace. The Temporal namespace that Temporal, the SDK and the exporter put in `namespace`
// would land in `exported_namespace`, and the dashboards would show Kubernetes namespaces. These
// metric relabelings move it back into the label the pack configuration names, after the clash;
// series without a Temporal namespace keep the Kubernetes one. honor_labels stays false so that
// no target can set its own job or instance.
local keepTemporalNamespace(knobs) = [
  {
    sourceLabels: ['exported_namespace'],
    regex: '(.+)',
    targetLabel: knobs.namespaceLabel,
    replacement: '$1',
    action: 'replace',
  },
  { regex: 'exported_namespace', action: 'labeldrop' },
];

local endpoint(c, knobs, port, job, https=false) = {
  port: port,
  path: '/metrics',
  interval: c.monitoring.scrapeInterval,
  honorLabels: false,
  // The job label the rules and dashboards select on, whatever the Service is called.
  relabelings: [{ targetLabel: 'job', replacement: job, action: 'replace' }],
  metricRelabelings: keepTemporalNamespace(knobs),
} + (if https then {
  scheme: 'https',
  tlsConfig: {
    ca: { secret: { name: c.exporter.webSecret, key: 'ca.crt' } },
    serverName: '%s.%s.svc' % [if c.exporter.mode == 'sidecar' then workloads.workerName else workloads.exporterName, c.namespace],
  },
} else {});

local serviceMonitor(c, name, component, spec) = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'ServiceMonitor',
  metadata: workloads.meta(c, name, component) { labels+: c.monitoring.monitorLabels },
  spec: spec,
};

local monitors(c, knobs) =
  local sidecar = c.exporter.mode == 'sidecar';
  local https = c.exporter.webSecret != null;
  local exporterService = if sidecar then workloads.workerName else workloads.exporterName;
  (if c.worker.enabled then [serviceMonitor(c, workloads.workerName, 'worker', {
     selector: { matchLabels: workloads.selector(workloads.workerName) },
     endpoints: [endpoint(c, knobs, 'metrics', knobs.workerJob)],
   })] else [])
  + [serviceMonitor(c, workloads.exporterName, 'exporter', {
    selector: { matchLabels: workloads.selector(exporterService) },
    endpoints: [endpoint(c, knobs, 'exporter', knobs.exporterJob, https)],
  })]
  + (if c.temporal.metrics != null then [serviceMonitor(c, 'temporal-server', 'temporal-server', {
       namespaceSelector: { matchNames: [c.temporal.metrics.namespace] },
       selector: { matchLabels: c.temporal.metrics.serviceLabels },
       endpoints: [endpoint(c, knobs, c.temporal.metrics.port, knobs.serverJob)],
     })] else []);

local prometheusRule(c, name, groups) = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: workloads.meta(c, name, 'alerts') { labels+: c.monitoring.ruleLabels },
  spec: groups,
};

// ConfigMaps carry the dashboard text as the generator wrote it. The largest passes the 256 KiB
// limit of kubectl's last-applied annotation: apply them server-side (docs/deploy.md).
local dashboard(c, file) = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'dashboard-' + std.strReplace(file, '.json', ''),
    namespace: c.dashboards.namespace,
    labels: c.labels {
      [c.dashboards.label]: '1',
      'app.kubernetes.io/part-of': 'dict-observability',
      'app.kubernetes.io/component': 'dashboards',
    },
    annotations: { [c.dashboards.folderAnnotation]: c.dashboards.folder },
  },
  data: { [file]: pack.dashboards[file] },
};

{
  keepTemporalNamespace:: keepTemporalNamespace,
  objects(c, knobs)::
    monitors(c, knobs)
    + [
      prometheusRule(c, 'dict-observability-rules', mixin.prometheusRules),
      prometheusRule(c, 'dict-observability-alerts', mixin.prometheusAlerts),
    ]
    + [dashboard(c, file) for file in std.objectFields(pack.dashboards)],
}
