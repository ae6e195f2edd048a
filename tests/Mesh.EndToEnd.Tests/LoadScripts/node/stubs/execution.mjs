// The stand-in for 'k6/execution': the one scenario being run, from its start.
export const scenario = { name: 'default', startTime: Date.now(), iterationInTest: 0, progress: 0 };
export const vu = { idInTest: 1, iterationInScenario: 0 };
export default { scenario, vu };
