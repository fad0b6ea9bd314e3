// The configuration handed to a delegated IPAM plugin: the network configuration as received, with host-local's
// `subnet: usePodCidr` replaced by the node's pod CIDR from the datastore.
import { hostLocalConf } from './delegate';
import type { PluginContext } from './plugin-context';

export function delegatedConf(ctx: PluginContext): Promise<Record<string, unknown>> {
  if (ctx.conf.ipam.type === 'host-local') return hostLocalConf(ctx.conf, () => ctx.backend.podCidr(ctx.nodename));
  return Promise.resolve({ ...ctx.conf.raw });
}
