namespace Bridge.AspNetCore.Tests.Infrastructure;

/// <summary>How the test client talks to the app: nginx's uwsgi_pass or fastcgi_pass.</summary>
public enum Front
{
    Uwsgi,
    FastCgi,
}
