// Re-renders its host whenever the Studio changes (state, meters): the shared SubscriptionController.
import { SubscriptionController } from '../../../shared/src/ui/subscription-controller.ts';
import type { Studio } from '../studio.ts';

export class StudioController extends SubscriptionController<Studio> {}
