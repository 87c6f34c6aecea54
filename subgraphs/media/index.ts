import './tracing';
import { loadConfigOrExit } from '../../lib/config/env';
import { runSubgraph } from '../../lib/http/main';
import { loadMediaConfig } from './config';
import { createMediaSubgraph } from './subgraph';

runSubgraph(loadConfigOrExit('media', loadMediaConfig), createMediaSubgraph);
