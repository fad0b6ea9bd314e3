// The resource commands, calicoctl's verbs: create, apply, replace, delete, get, patch, label, validate. Each lives in
// its own module; this one registers them together so program.ts needs one line.
import type { Command } from 'commander';
import type { CliDeps } from './deps';
import { registerDeleteCommand } from './resource-cmd-delete';
import { registerEditCommands } from './resource-cmd-edit';
import { registerGetCommand } from './resource-cmd-get';
import { registerWriteCommands } from './resource-cmd-write';

export function registerResourceCommands(program: Command, deps: CliDeps): void {
  registerWriteCommands(program, deps);
  registerDeleteCommand(program, deps);
  registerGetCommand(program, deps);
  registerEditCommands(program, deps);
}
