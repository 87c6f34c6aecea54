import './tracing';
import { loadConfigOrExit } from '../../lib/config/env';
import { runSubgraph } from '../../lib/http/main';
import { loadUsersConfig } from './config';
import { createUsersSubgraph } from './subgraph';

runSubgraph(loadConfigOrExit('users', loadUsersConfig), createUsersSubgraph);
