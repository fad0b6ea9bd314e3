// The `gingham` command tree. Each verb lives in its own module; this file only wires them into commander.
import { Command } from 'commander';
import { versionText } from './version';
import { registerBgp } from './bgp';
import { registerResourceCommands } from './resources';
import { registerCni } from './cni';
import { registerIpam } from './ipam';
import { registerNode } from './node';
import { registerPolicy } from './policy';
import { registerControllers } from './controllers';
import { registerLab } from './lab';
import type { CliDeps } from './deps';

export function buildProgram(deps: CliDeps): Command {
  const program = new Command('gingham')
    .description('Kubernetes networking: BGP, IPAM, dataplane, CNI; reads projectcalico.org/v3 resources')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (t) => deps.stdout(t), writeErr: (t) => deps.stderr(t) });
  program
    .command('version')
    .description('print the version')
    .action(() => {
      deps.stdout(versionText());
    });
  registerResourceCommands(program, deps);
  registerBgp(program, deps);
  registerCni(program, deps);
  registerIpam(program, deps);
  registerNode(program, deps);
  registerPolicy(program, deps);
  registerControllers(program, deps);
  registerLab(program, deps);
  return program;
}
