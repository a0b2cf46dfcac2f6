export const AZURE_SIGNALR_CONNECTIONSTRING: string = "Endpoint=https://search.service.signalr.net;AccessKey=Ps5Le2+idYv9OUM8JCt0FEDuL3Xkr7L7/ME1qdy2Fxc=;Version=1.0;";
