// The denied-flow log's settings from FelixConfiguration: the `default` resource overlaid field by field by this
// node's `node.<nodename>` (Felix's precedence). The fields are Calico Enterprise's file flow-log fields
// (flowLogsFileEnabled, flowLogsFileDirectory, flowLogsFileMaxFiles, flowLogsFileMaxFileSizeMB), which Gingham
// reads for denied flows only, plus Gingham's flowLogsDeniedRateLimit (packets a second each denying rule may
// log; the kernel drops the rest before they reach the agent). Pure.
import { FELIX_DEFAULTS, FLOW_LOG_FILE_NAME, type FelixConfigurationSpec } from '../api/kind-felix-configuration';

export interface FlowLogSettings {
  readonly file: string;
  readonly maxBytes: number;
  readonly maxFiles: number;
  readonly perSecond: number;
  readonly burst: number;
  readonly group: number;
}

/**
 * The nflog group of denial logs. Calico's iptables dataplane logs to groups 1 and 2 (felix/rules NFLOGInboundGroup,
 * NFLOGOutboundGroup); another group keeps the two apart on a node being migrated.
 */
export const FLOW_LOG_GROUP = 20;

/** The settings in effect, or undefined while flow logs are off (the default). */
export function flowLogSettings(global: FelixConfigurationSpec | undefined, node: FelixConfigurationSpec | undefined): FlowLogSettings | undefined {
  type Field = 'flowLogsFileEnabled' | 'flowLogsFileDirectory' | 'flowLogsFileMaxFiles' | 'flowLogsFileMaxFileSizeMB' | 'flowLogsDeniedRateLimit';
  const pick = <K extends Field>(k: K): NonNullable<FelixConfigurationSpec[K]> | (typeof FELIX_DEFAULTS)[K] => node?.[k] ?? global?.[k] ?? FELIX_DEFAULTS[k];
  if (!pick('flowLogsFileEnabled')) return undefined;
  const num = (k: 'flowLogsFileMaxFiles' | 'flowLogsFileMaxFileSizeMB' | 'flowLogsDeniedRateLimit'): number => pick(k);
  const perSecond = num('flowLogsDeniedRateLimit');
  return {
    file: `${pick('flowLogsFileDirectory')}/${FLOW_LOG_FILE_NAME}`,
    maxBytes: num('flowLogsFileMaxFileSizeMB') * 1024 * 1024,
    maxFiles: num('flowLogsFileMaxFiles'),
    perSecond,
    burst: Math.max(1, Math.ceil(perSecond / 2)),
    group: FLOW_LOG_GROUP,
  };
}
