export { PANEL_VIEW_TYPE, ProviderPanel } from './host';
export { PanelController } from './controller';
