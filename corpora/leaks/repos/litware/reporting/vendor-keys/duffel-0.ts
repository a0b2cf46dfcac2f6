export const DUFFEL_ACCESS_TOKEN: string = "duffel_live_q4co4J6dy8XfFiIWjpSbPUoEchHyzmiX3DOBv3ZvVOt";
