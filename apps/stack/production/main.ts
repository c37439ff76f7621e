// `npm run start:production`: the production shape in the foreground until Ctrl-C or SIGTERM,
// then every part stopped in reverse order.
import { stackPorts } from '../../../libs/config/ports';
import { stateDir } from '../../../libs/config/paths';
import { runInForeground } from '../foreground';
import { productionBanner } from './production-banner';
import { startProductionStack } from './production-stack';

runInForeground({
  start: () => startProductionStack({ home: stateDir(), ports: stackPorts() }),
  banner: productionBanner,
  startFailure: 'could not start the production shape',
});
