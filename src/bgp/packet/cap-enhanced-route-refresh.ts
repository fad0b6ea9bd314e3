// Enhanced Route Refresh capability (code 70, RFC 7313 §3): no value. With it both sides bracket a refresh with
// Beginning- and End-of-Route-Refresh subtypes so the receiver can purge stale routes.
import { CapabilityCode } from './constants';
import { emptyValueCodec } from './cap-codec';

export const enhancedRouteRefreshCodec = emptyValueCodec('enhanced-route-refresh', CapabilityCode.EnhancedRouteRefresh, 'enhanced route refresh');
