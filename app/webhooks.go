package app

import (
	"context"

	"github.com/slorec/slorec"
)

// Subscribe stores a webhook subscription of the tenant; its secret is
// never returned again. Errors: EINVALID.
func (a *App) Subscribe(ctx context.Context, tenant, actor string, s slorec.Subscription) (slorec.Subscription, error) {
	if err := s.Validate(); err != nil {
		return slorec.Subscription{}, err
	}
	if a.cfg.CheckWebhookURL != nil {
		if err := a.cfg.CheckWebhookURL(s.URL); err != nil {
			return slorec.Subscription{}, err
		}
	}
	st := a.cfg.Tenant(tenant)
	out, err := st.PutSubscription(ctx, s)
	if err != nil {
		return slorec.Subscription{}, err
	}
	_, err = st.AppendAudit(ctx, slorec.AuditRecord{Actor: actor, Action: "webhook.subscribe", Subject: out.ID,
		Detail: map[string]any{"url": out.URL, "events": out.Events}})
	return out, err
}

// Subscriptions lists the tenant's subscriptions, without secrets.
func (a *App) Subscriptions(ctx context.Context, tenant string) ([]slorec.Subscription, error) {
	return a.cfg.Tenant(tenant).Subscriptions(ctx)
}

// Unsubscribe deactivates a subscription. Errors: ENOTFOUND.
func (a *App) Unsubscribe(ctx context.Context, tenant, actor, id string) error {
	st := a.cfg.Tenant(tenant)
	if err := st.DeleteSubscription(ctx, id); err != nil {
		return err
	}
	_, err := st.AppendAudit(ctx, slorec.AuditRecord{Actor: actor, Action: "webhook.unsubscribe", Subject: id})
	return err
}

// Deliveries lists a subscription's delivery attempts (all when id is
// ""), newest first. Errors: ENOTFOUND.
func (a *App) Deliveries(ctx context.Context, tenant, id string, limit int) ([]slorec.Delivery, error) {
	return a.cfg.Tenant(tenant).Deliveries(ctx, id, limit)
}
