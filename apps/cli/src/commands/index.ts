import type { Command } from 'commander';
import type { CliContext } from '../context';
import { registerAgencyCommands } from './agency';
import { registerKeyCommands } from './key';
import { registerMessagingCommands } from './messaging';
import { registerNatsCommands } from './nats';
import { registerTokenCommands } from './token';
import { registerAuditCommands } from './audit';
import { registerDossierCommands } from './dossier';
import { registerHubCommands } from './hub';
import { registerEdxmlCommands } from './edxml';
import { registerConnectorCommands } from './connector';
import { registerMigrateCommands } from './migrate';
import { registerBackupCommands } from './backup';

export type CommandGroup = (program: Command, ctx: () => CliContext) => void;

/** Each area registers its verbs here. */
export const COMMAND_GROUPS: CommandGroup[] = [registerAgencyCommands, registerKeyCommands, registerTokenCommands, registerAuditCommands, registerDossierCommands, registerNatsCommands, registerMessagingCommands, registerHubCommands, registerEdxmlCommands, registerConnectorCommands, registerMigrateCommands, registerBackupCommands];
