import { closestName, didYouMean, editDistance } from './suggest';

describe('did you mean', () => {
  it('measures edits, a swap of neighbours counting one', () => {
    expect(editDistance('blockSzie', 'blockSize')).toBe(1);
    expect(editDistance('natOutgoing', 'natOutgoing')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the closest known name only when it is a likely misspelling', () => {
    const fields = ['cidr', 'blockSize', 'ipipMode', 'vxlanMode', 'natOutgoing', 'disabled', 'nodeSelector'];
    expect(closestName('blockSzie', fields)).toBe('blockSize');
    expect(closestName('natoutgoing', fields)).toBe('natOutgoing');
    expect(closestName('nodeselecter', fields)).toBe('nodeSelector');
    expect(closestName('colour', fields)).toBeUndefined();
    expect(closestName('Pool', ['IPPool', 'BGPPeer', 'IPAMBlock'])).toBe('IPPool');
    expect(closestName('Mode', fields)).toBeUndefined();
    expect(didYouMean('ipipmod', fields)).toBe(' (did you mean ipipMode?)');
    expect(didYouMean('extra', fields)).toBe('');
  });
});
