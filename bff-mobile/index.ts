import { DEFAULT_PORTS, envInt, portVariable } from '../lib/config';
import { runService } from '../lib/main';
import { createMobileBff } from './server';

runService('bff-mobile', envInt(portVariable('bff-mobile'), DEFAULT_PORTS['bff-mobile'], { max: 65535 }), createMobileBff);
