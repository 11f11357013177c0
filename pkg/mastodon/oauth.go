package mastodon

import (
	"context"
	"fmt"
	"net/url"

	gomastodon "github.com/mattn/go-mastodon"
)

// OOBRedirect is the out-of-band redirect: the server shows the code to the
// user, who pastes it into copharvest.
const OOBRedirect = "urn:ietf:wg:oauth:2.0:oob"

// App is a registered OAuth application.
type App struct {
	ClientID, ClientSecret string
	AuthorizeURL           string
}

// RegisterApp registers copharvest with scope read only and returns the URL
// the user opens to authorize it.
func (c *Client) RegisterApp(ctx context.Context, name, website string) (App, error) {
	app, err := gomastodon.RegisterApp(ctx, &gomastodon.AppConfig{
		Client:       c.http,
		Server:       c.instance,
		ClientName:   name,
		RedirectURIs: OOBRedirect,
		Scopes:       "read",
		Website:      website,
	})
	if err != nil {
		return App{}, fmt.Errorf("register the app on %s: %w", c.instance, translate(err, c.cfg.AccessToken != ""))
	}
	return App{ClientID: app.ClientID, ClientSecret: app.ClientSecret, AuthorizeURL: app.AuthURI}, nil
}

// App is the app registered earlier with these credentials, with the URL
// where the user authorizes it.
func (c *Client) App(clientID, clientSecret string) App {
	q := url.Values{"client_id": {clientID}, "redirect_uri": {OOBRedirect}, "response_type": {"code"}, "scope": {"read"}}
	return App{ClientID: clientID, ClientSecret: clientSecret, AuthorizeURL: c.instance + "/oauth/authorize?" + q.Encode()}
}

// ExchangeCode trades the code the user pasted for an access token.
func (c *Client) ExchangeCode(ctx context.Context, app App, code string) (string, error) {
	mc := &gomastodon.Client{Client: c.http, Config: &gomastodon.Config{Server: c.instance, ClientID: app.ClientID, ClientSecret: app.ClientSecret}}
	if err := mc.GetUserAccessToken(ctx, code, OOBRedirect); err != nil {
		return "", fmt.Errorf("exchange the code on %s: %w", c.instance, translate(err, c.cfg.AccessToken != ""))
	}
	return mc.Config.AccessToken, nil
}

// VerifyCredentials returns the acct the client's token belongs to.
func (c *Client) VerifyCredentials(ctx context.Context) (string, error) {
	acc, err := c.api(nil).GetAccountCurrentUser(ctx)
	if err != nil {
		return "", fmt.Errorf("check the token on %s: %w", c.instance, translate(err, c.cfg.AccessToken != ""))
	}
	return acc.Acct, nil
}
