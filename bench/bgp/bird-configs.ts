// BIRD 2 configurations of the feeder (originates the feed; its session to the DUT starts disabled so the harness
// can time it from `enable dut`) and the sink (imports everything from the DUT, exports nothing). No kernel protocol:
// nothing is installed anywhere. The feeder sets NEXT_HOP 192.0.2.2 (TEST-NET-1) because GoBGP and FRR reject
// loopback next hops; the settings match the reference harness's templates so both harnesses time the same thing.

export interface BirdSide {
  readonly workdir: string;
  readonly addr: string;
  readonly asn: number;
  readonly dutAddr: string;
  readonly dutAsn: number;
}

function header(name: string, s: BirdSide): string {
  return [
    `log "${s.workdir}/${name}.log" { info, warning, error, fatal, remote, bug, auth };`,
    `router id ${s.addr};`,
    'protocol device { scan time 3600; }',
  ].join('\n');
}

function session(s: BirdSide, channel: string, disabled: boolean): string {
  return [
    'protocol bgp dut {',
    `  local ${s.addr} port 179 as ${s.asn};`,
    `  neighbor ${s.dutAddr} port 179 as ${s.dutAsn};`,
    '  strict bind yes;',
    '  multihop;',
    '  connect delay time 1;',
    '  connect retry time 2;',
    '  error wait time 1, 10;',
    `  ipv4 { ${channel} };`,
    ...(disabled ? ['  disabled;'] : []),
    '}',
  ].join('\n');
}

export function feederConfig(s: BirdSide, routesFile: string): string {
  return [
    header('feeder', s),
    // `disable feed` withdraws every route over the live session; `enable feed` announces them again
    `protocol static feed {\n  ipv4 { import all; };\n  include "${routesFile}";\n}`,
    session(s, 'import none; export all; next hop address 192.0.2.2;', true),
    '',
  ].join('\n');
}

export function sinkConfig(s: BirdSide): string {
  return [header('sink', s), session(s, 'import all; export none;', false), ''].join('\n');
}
