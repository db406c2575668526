// NetworkPolicies: only Prometheus (its pods in the monitoring namespace) may connect, and the
// pods may reach only the Temporal frontend, the Bridge (the worker) and DNS.
local workloads = import 'workloads.libsonnet';

local namespaced(ns) = { 'kubernetes.io/metadata.name': ns };

// A peer is pods in a namespace, or CIDRs outside the cluster.
local peers(p) =
  if std.length(p.cidrs) > 0 then [{ ipBlock: { cidr: cidr } } for cidr in p.cidrs]
  else [{ namespaceSelector: { matchLabels: namespaced(p.namespace) }, podSelector: { matchLabels: p.podLabels } }];

local tcp(port) = { protocol: 'TCP', port: port };

local policy(c, name, component, ports, bridge) = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: workloads.meta(c, name, component),
  spec: {
    podSelector: { matchLabels: workloads.selector(name) },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{
      from: [{
        namespaceSelector: { matchLabels: namespaced(c.monitoring.namespace) },
        podSelector: { matchLabels: c.monitoring.prometheusPodLabels },
      }],
      ports: [tcp(p) for p in ports],
    }],
    egress: [
      { to: peers(c.temporal.frontend), ports: [tcp(c.temporal.frontend.port)] },
      {
        to: [{ namespaceSelector: { matchLabels: namespaced(c.dns.namespace) }, podSelector: { matchLabels: c.dns.podLabels } }],
        ports: [{ protocol: 'UDP', port: 53 }, tcp(53)],
      },
    ] + (if bridge then [{ to: peers(c.bridge), ports: [tcp(c.bridge.port)] }] else []),
  },
};

{
  objects(c, knobs)::
    local sidecar = c.exporter.mode == 'sidecar';
    (if c.worker.enabled then [policy(
       c,
       workloads.workerName,
       'worker',
       ['metrics'] + (if sidecar then ['exporter'] else []),
       true,
     )] else [])
    + (if !sidecar then [policy(c, workloads.exporterName, 'exporter', ['exporter'], false)] else []),
}
