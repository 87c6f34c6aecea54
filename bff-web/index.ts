import { DEFAULT_PORTS, envInt, portVariable } from '../lib/config';
import { runService } from '../lib/main';
import { createWebBff } from './server';

runService('bff-web', envInt(portVariable('bff-web'), DEFAULT_PORTS['bff-web'], { max: 65535 }), createWebBff);
