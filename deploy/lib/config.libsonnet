// What an environment may set, with defaults, and the checks that stop a bad environment before
// anything renders. The pack's own knobs (job names, Temporal namespace, task queue, ports, the
// dashboards' folder) come from the generated pack file, never typed here.
local pack = import 'generated/pack.libsonnet';
local knobs = pack.knobs;

// Maps the user fills freely (labels, selectors, resources): not checked key by key.
local freeForm = ['labels', 'podLabels', 'serviceLabels', 'ruleLabels', 'monitorLabels', 'resources', 'prometheusPodLabels'];

local defaults = {
  // Kubernetes namespace of the worker, the exporter, their monitors and rules.
  namespace: 'dict-observability',
  // The dict-observability image (see Dockerfile); required. Pin it by digest in production.
  image: null,
  imagePullPolicy: 'Always',
  // Extra labels on every object.
  labels: {},
  monitoring: {
    // Where Prometheus runs: the only namespace allowed to scrape the pods.
    namespace: 'monitoring',
    prometheusPodLabels: { 'app.kubernetes.io/name': 'prometheus' },
    // Labels Prometheus' ruleSelector / serviceMonitorSelector look for (kube-prometheus-stack:
    // release: <helm release> unless its *SelectorNilUsesHelmValues are false).
    ruleLabels: {},
    monitorLabels: {},
    scrapeInterval: '30s',
  },
  dashboards: {
    // Namespace the Grafana sidecar watches, the label it looks for, the folder annotation.
    namespace: 'monitoring',
    label: 'grafana_dashboard',
    folderAnnotation: 'grafana_folder',
    folder: knobs.dashboardFolder,
  },
  temporal: {
    address: 'temporal-frontend.temporal.svc.cluster.local:%d' % knobs.temporalPort,
    namespace: knobs.temporalNamespace,
    taskQueue: knobs.taskQueue,
    // Secret with ca.crt (TLS) and tls.crt, tls.key (mTLS): mounted as files.
    tlsSecret: null,
    mtls: false,
    serverName: null,
    // Secret with the key `api-key` (Temporal Cloud): mounted as a file.
    apiKeySecret: null,
    // Secret with the key `codec-keys`: the payload codec's key file (docs/worker.md, Payloads
    // encrypted at rest), mounted into the worker only. null: payloads in clear.
    codecKeySecret: null,
    // Where the frontend runs, for the NetworkPolicy: pods in a namespace, or CIDRs.
    frontend: {
      namespace: 'temporal',
      podLabels: { 'app.kubernetes.io/name': 'temporal', 'app.kubernetes.io/component': 'frontend' },
      cidrs: [],
      port: knobs.temporalPort,
    },
    // The Temporal server's metrics Services, for its ServiceMonitor (null: not scraped here).
    metrics: {
      namespace: 'temporal',
      serviceLabels: { 'app.kubernetes.io/name': 'temporal', 'app.kubernetes.io/headless': 'true' },
      port: 'metrics',
    },
  },
  bridge: {
    address: 'bridge.example.invalid:%d' % knobs.bridgePort,
    // Secret with the worker's client certificate for the Bridge (the DICT network requires
    // mTLS): tls.crt, tls.key and ca.crt (the CA that signed the Bridge's certificate). Mounted
    // read-only; BRIDGE_TLS_CERT, BRIDGE_TLS_KEY and BRIDGE_TLS_CA name its files.
    tlsSecret: 'dict-bridge-tls',
    // The name verified on the Bridge's certificate when it is not the address' host.
    serverName: null,
    // The Bridge is outside the cluster: the NetworkPolicy allows these CIDRs on this port.
    cidrs: [],
    namespace: null,
    podLabels: {},
    port: knobs.bridgePort,
  },
  dns: {
    namespace: 'kube-system',
    podLabels: { 'k8s-app': 'kube-dns' },
  },
  worker: {
    enabled: true,
    replicas: 2,
    resources: {
      requests: { cpu: '200m', memory: '256Mi' },
      limits: { cpu: '1', memory: '512Mi' },
    },
  },
  exporter: {
    // sidecar: in the worker's pods; standalone: a Deployment of its own (workers not ours).
    mode: 'sidecar',
    replicas: 2,  // standalone only; the rules de-duplicate exporters
    // Secret with web-config.yml (TLS only: kubelet probes cannot send basic auth), tls.crt,
    // tls.key and ca.crt: the exporter then serves HTTPS and Prometheus verifies it.
    webSecret: null,
    // Further `dictobs exporter` flags, e.g. ['--refresh.interval=60s'].
    flags: [],
    resources: {
      requests: { cpu: '50m', memory: '96Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    },
  },
};

local fail(path, why) = error 'deploy environment: %s: %s' % [path, why];

// Every key the environment sets must exist in the defaults (a misspelt key fails, naming it).
local checkKeys(env, known, path) =
  std.foldl(
    function(ok, key)
      local here = if path == '' then key else path + '.' + key;
      if !std.objectHas(known, key) then
        fail(here, 'unknown key; known keys here: ' + std.join(', ', std.objectFields(known)))
      else if std.isObject(known[key]) && !std.member(freeForm, key) then
        if env[key] == null then ok  // switches the part off (e.g. temporal.metrics)
        else if !std.isObject(env[key]) then fail(here, 'expected an object')
        else ok && checkKeys(env[key], known[key], here)
      else ok,
    std.objectFields(env),
    true
  );

local merge(base, env) = base {
  [key]:
    if std.isObject(base[key]) && std.isObject(env[key]) && !std.member(freeForm, key)
    then merge(base[key], env[key])
    else env[key]
  for key in std.objectFields(env)
};

local wholeAtLeast(value, least, path) =
  if !std.isNumber(value) || std.floor(value) != value || value < least then
    fail(path, '%s: must be a whole number, %d or more' % [std.toString(value), least])
  else true;

local check(c) =
  assert std.isString(c.image) && c.image != '' :
         'deploy environment: image is required: set image to the dict-observability image, e.g. registry.example.com/dict-observability@sha256:...';
  assert std.member(['sidecar', 'standalone'], c.exporter.mode) :
         'deploy environment: exporter.mode: %s: use sidecar or standalone' % std.toString(c.exporter.mode);
  assert wholeAtLeast(c.worker.replicas, 0, 'worker.replicas');
  assert wholeAtLeast(c.exporter.replicas, 0, 'exporter.replicas');
  assert c.exporter.mode == 'standalone' || c.worker.enabled :
         'deploy environment: exporter.mode: sidecar needs worker.enabled; use standalone without the worker';
  assert !c.temporal.mtls || c.temporal.tlsSecret != null :
         'deploy environment: temporal.mtls needs temporal.tlsSecret (a Secret with ca.crt, tls.crt, tls.key)';
  assert !c.worker.enabled || (std.isString(c.bridge.tlsSecret) && c.bridge.tlsSecret != '') :
         'deploy environment: bridge.tlsSecret: the worker reaches the Bridge over mTLS only; name the Secret with its tls.crt, tls.key and ca.crt';
  assert c.bridge.serverName == null || (std.isString(c.bridge.serverName) && c.bridge.serverName != '') :
         'deploy environment: bridge.serverName: expected a host name or null';
  assert !c.worker.enabled || std.length(c.bridge.cidrs) > 0 || c.bridge.namespace != null :
         'deploy environment: bridge: set bridge.cidrs or bridge.namespace so the worker may reach the Bridge';
  assert std.isArray(c.exporter.flags) && std.all([std.isString(f) for f in c.exporter.flags]) :
         'deploy environment: exporter.flags: expected a list of strings';
  c;

{
  defaults:: defaults,
  knobs:: knobs,
  // The environment merged over the defaults, checked.
  new(env)::
    assert std.isObject(env) : 'deploy environment: expected an object of settings';
    assert checkKeys(env, defaults, '');
    check(merge(defaults, env)),
}
