// Extended Message capability (code 6, RFC 8654 §3): no value. Only when both sides sent it may UPDATE, NOTIFICATION
// and ROUTE-REFRESH exceed 4096 octets.
import { CapabilityCode } from './constants';
import { emptyValueCodec } from './cap-codec';

export const extendedMessageCodec = emptyValueCodec('extended-message', CapabilityCode.ExtendedMessage, 'extended message');
