import './tracing';
import { loadConfigOrExit } from '../lib/config/env';
import { runService } from '../lib/http/main';
import { loadMobileConfig } from './config';
import { createMobileBff } from './server';

const config = loadConfigOrExit('bff-mobile', loadMobileConfig);
runService('bff-mobile', config.listen, (logger) => createMobileBff(config, logger));
