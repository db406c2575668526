// The DICT observability pack on Kubernetes. An environment is one call:
//
//   local dictobs = import 'dict-observability/deploy/lib/dictobs.libsonnet';
//   dictobs.new({ image: 'registry.example.com/dict-observability@sha256:...', ... })
//
// returns the list of objects to apply. What an environment may set is in config.libsonnet;
// an unknown key, a missing image or a negative replica count fails with a message naming it.
local config = import 'config.libsonnet';
local monitoring = import 'monitoring.libsonnet';
local network = import 'network.libsonnet';
local workloads = import 'workloads.libsonnet';

{
  defaults:: config.defaults,
  new(env)::
    local c = config.new(env);
    workloads.objects(c, config.knobs)
    + network.objects(c, config.knobs)
    + monitoring.objects(c, config.knobs),
}
