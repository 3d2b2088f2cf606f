import type { HandlerContext } from './handlerContext.js';
import { Problem } from './problem.js';
import { QueryParams } from './queryParams.js';
import { jsonReply, languageHeader, type Reply } from './reply.js';
import { campaignJson, LOCALES, type CampaignJson } from './representations.js';

/** Campaigns are few: the list is never paged. */
export interface CampaignListBody {
  items: CampaignJson[];
}

const CHANNELS = ['WEB', 'STORE'] as const;

/**
 * `GET /campaigns`: every filter given must hold. `activeAt` takes campaigns with
 * `startsAt <= activeAt < endsAt`; `ref` takes those that name the product or one of its
 * category paths (an unknown ref matches through `productRefs` only).
 */
export function listCampaigns(search: URLSearchParams, { index }: HandlerContext): Reply {
  const query = new QueryParams(search, ['activeAt', 'channel', 'ref', 'locale'], 'GET /pim/v2/campaigns');
  const locale = query.choice('locale', LOCALES);
  const campaigns = index.campaigns({
    activeAtMs: query.instant('activeAt'),
    channel: query.choice('channel', CHANNELS),
    ref: query.text('ref'),
  });
  const body: CampaignListBody = { items: campaigns.map((campaign) => campaignJson(campaign, locale)) };
  return jsonReply(body, languageHeader(locale));
}

export function getCampaign(id: string, search: URLSearchParams, { index }: HandlerContext): Reply {
  const query = new QueryParams(search, ['locale'], 'GET /pim/v2/campaigns/{id}');
  const locale = query.choice('locale', LOCALES);
  const campaign = index.campaign(id);
  if (!campaign) throw new Problem('campaign-not-found', `no campaign with id ${JSON.stringify(id)}`);
  return jsonReply(campaignJson(campaign, locale), languageHeader(locale));
}
