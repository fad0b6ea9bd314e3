import { DatastoreErrorCode, isDatastoreError, KindNotServedError, NotFoundError } from '../errors';
import { toDatastoreError } from './errors';
import { KubeApiError } from './kube-api';

describe('toDatastoreError', () => {
  const subject = { op: 'list' as const, kind: 'AdminNetworkPolicy', name: '' };

  it('maps a 404 on a collection (its CRD not installed) to KindNotServed, still an Unavailable', () => {
    const err = toDatastoreError(new KubeApiError(404, 'NotFound', 'the server could not find the requested resource'), subject);
    expect(err).toBeInstanceOf(KindNotServedError);
    expect(isDatastoreError(err, DatastoreErrorCode.Unavailable)).toBe(true);
    expect(err.message).toMatch(/CRDs installed/);
  });

  it('maps a 404 naming an object to NotFound, and a 503 to a plain Unavailable', () => {
    expect(toDatastoreError(new KubeApiError(404, 'NotFound', 'x "p" not found', 'p'), { ...subject, op: 'get', name: 'p' })).toBeInstanceOf(NotFoundError);
    const down = toDatastoreError(new KubeApiError(503, 'ServiceUnavailable', 'try later'), subject);
    expect(isDatastoreError(down, DatastoreErrorCode.Unavailable)).toBe(true);
    expect(down).not.toBeInstanceOf(KindNotServedError);
  });
});
