// Azure's URL forms, for the panel too (the core module is dependency-free).
export { AZURE_API_VERSION, azureBaseUrl, parseAzureUrl, type AzureAddress } from '../core/azureUrl';
