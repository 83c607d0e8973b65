namespace Bridge.Integration.Tests.Fixtures;

/// <summary>Theory data: every <see cref="EchoApp"/>, alone or with every <see cref="FrontEndMode"/>.</summary>
public static class EchoApps
{
    public static TheoryData<EchoApp> All => new(EchoApp.Native, EchoApp.AspNetCore);

    public static TheoryData<EchoApp, FrontEndMode> InEveryMode
    {
        get
        {
            var data = new TheoryData<EchoApp, FrontEndMode>();
            foreach (var app in Enum.GetValues<EchoApp>())
            {
                foreach (var mode in Enum.GetValues<FrontEndMode>())
                {
                    data.Add(app, mode);
                }
            }

            return data;
        }
    }
}
